import { describe, expect, it } from "vitest";
import { checkNewAccount, isSessionLost, paneErrorView, signInErrorView, switchErrorView } from "./errors";
import type { ErrorCode } from "../bindings/ErrorCode";

describe("signInErrorView", () => {
  it("shows the backend's words for a wrong password, refocuses and clears the password", () => {
    const view = signInErrorView({ code: "auth_failed", message: "Wrong username or password." });
    expect(view.message).toBe("Wrong username or password.");
    expect(view.hint).toMatch(/try again/i);
    expect(view.focus).toBe("password");
    expect(view.clearPassword).toBe(true);
  });

  it("explains a locked account without pointing at a field", () => {
    const view = signInErrorView({ code: "account_locked", message: "Locked for 15 minutes." });
    expect(view.message).toBe("Locked for 15 minutes.");
    expect(view.hint).toBeNull(); // the core's sentence says how long and who can unlock it
    expect(view.focus).toBeNull();
    expect(view.clearPassword).toBe(true);
  });

  it("points validation errors at the username and keeps the password", () => {
    const view = signInErrorView({ code: "validation", message: "Username is required." });
    expect(view).toEqual({ message: "Username is required.", hint: null, focus: "username", clearPassword: false });
  });

  it("falls back to a sentence when the backend sent an empty message", () => {
    expect(signInErrorView({ code: "auth_failed", message: "" }).message).toBe("The username or password is wrong.");
    expect(signInErrorView({ code: "something_new" as unknown as ErrorCode, message: " " }).message).toBe("Something went wrong inside the app.");
  });

  it("tells what to do for a database from a newer version, and for unknown codes", () => {
    expect(signInErrorView({ code: "newer_schema", message: "Schema 9 > 4." }).hint).toMatch(/newer version/);
    expect(signInErrorView({ code: "internal", message: "disk I/O error" }).hint).toMatch(/administrator/);
  });
});

describe("pane and switch errors", () => {
  it("gives denied errors a way forward", () => {
    expect(paneErrorView({ code: "denied", message: "No." }).hint).toMatch(/owner or admin/);
    expect(switchErrorView({ code: "denied", message: "Not a member of MOF." })).toEqual({
      message: "Not a member of MOF.",
      hint: "Pick another organization, or ask to be added to this one.",
    });
  });
  it("gives the general advice only where the core's sentence gives none of its own", () => {
    const full = "The disk is full, so Sitebook could not write to its database. Free some space and try again.";
    expect(paneErrorView({ code: "internal", message: full })).toEqual({ message: full, hint: null });
    const busy = "The database was busy with other work and this did not finish in time. Try again in a moment.";
    expect(paneErrorView({ code: "internal", message: busy }).hint).toBeNull();
    expect(signInErrorView({ code: "internal", message: full }).hint).toBeNull();
    expect(paneErrorView({ code: "internal", message: "Could not read /home/asha/ward12.xlsx: Permission denied" }).hint).toMatch(
      /^Try again\. If it keeps happening/,
    );
  });
  it("points to the picker when no org is active", () => {
    expect(paneErrorView({ code: "no_active_org", message: "No org." }).hint).toMatch(/picker/);
  });
  it("recognises a lost session", () => {
    expect(isSessionLost({ code: "not_signed_in", message: "" })).toBe(true);
    expect(isSessionLost({ code: "denied", message: "" })).toBe(false);
  });
});

describe("checkNewAccount", () => {
  const ok = { username: "asha", fullName: "Asha Verma", password: "s3cret-pass", confirm: "s3cret-pass" };
  it("accepts a complete form", () => {
    expect(checkNewAccount(ok)).toBeNull();
  });
  it("names the first missing or wrong field", () => {
    expect(checkNewAccount({ ...ok, username: " " })).toBe("Enter a username.");
    expect(checkNewAccount({ ...ok, username: "as ha" })).toMatch(/spaces/);
    expect(checkNewAccount({ ...ok, fullName: "" })).toMatch(/full name/);
    expect(checkNewAccount({ ...ok, password: "", confirm: "" })).toBe("Choose a password.");
    expect(checkNewAccount({ ...ok, confirm: "other" })).toMatch(/do not match/);
  });
});

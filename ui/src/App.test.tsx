import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { createFakeBackend } from "./fake/backend";
import { demoSeed, firstRunSeed } from "./fake/demoSeed";
import { byId, renderApp, signIn, startApp, submitFirstAccount } from "./test/app";

async function signInAs(username: string) {
  await signIn(username);
  await screen.findByTestId("org-picker-button");
}

function navItems() {
  return screen.queryAllByTestId(/^nav-/).map((el) => el.getAttribute("data-testid"));
}

async function openPickerWithKeyboard() {
  fireEvent.keyDown(window, { key: "k", ctrlKey: true });
  return screen.findByTestId("org-picker");
}

describe("first run", () => {
  it("creates the first account as superuser and goes straight in", async () => {
    const fake = startApp(firstRunSeed());
    expect(await screen.findByRole("heading", { name: "Create the first account" })).toBeTruthy();
    expect(screen.getByText(/superuser/)).toBeTruthy();

    submitFirstAccount({ username: "asha", fullName: "Asha Verma", password: "long-enough-pw", confirm: "long-enough-pw" });

    expect((await screen.findByTestId("current-user")).textContent).toContain("Asha Verma");
    expect(byId("current-user").textContent).toContain("Superuser");
    expect(byId("active-org-name").textContent).toBe("Asha's Organization");
    expect(byId("works-pane").textContent).toContain("Works — Asha's Organization");
    expect(fake.calls).toContain("create_first_account");
  });

  it("tells the shell once that its first screen is shown, and not before", async () => {
    const fake = startApp(firstRunSeed());
    expect(fake.calls).not.toContain("first_screen_shown");
    await screen.findByRole("heading", { name: "Create the first account" });
    await waitFor(() => expect(fake.calls).toContain("first_screen_shown"));
    expect(fake.calls.indexOf("first_screen_shown")).toBeGreaterThan(fake.calls.indexOf("app_status"));

    submitFirstAccount({ username: "asha", fullName: "Asha Verma", password: "long-enough-pw", confirm: "long-enough-pw" });
    await screen.findByTestId("current-user");
    expect(fake.calls.filter((call) => call === "first_screen_shown")).toHaveLength(1);
  });

  it("says so under the form when the passwords differ, without calling the backend", async () => {
    const fake = startApp(firstRunSeed());
    await screen.findByTestId("setup-username");
    submitFirstAccount({ username: "asha", fullName: "Asha Verma", password: "long-enough-pw", confirm: "different" });
    expect(byId("form-error").textContent).toContain("The two passwords do not match.");
    expect(fake.calls).not.toContain("create_first_account");
  });

  it("shows the backend's validation message inline", async () => {
    startApp(firstRunSeed());
    await screen.findByTestId("setup-username");
    submitFirstAccount({ username: "asha", fullName: "Asha Verma", password: "short", confirm: "short" });
    expect((await screen.findByTestId("form-error")).textContent).toContain("Password must be at least 8 characters.");
  });
});

describe("sign in", () => {
  it("shows a wrong password under the form, clears the password and keeps the username", async () => {
    startApp();
    await signIn("asha", "wrong-password");
    const error = await screen.findByTestId("form-error");
    expect(error.textContent).toContain("The username or password is wrong.");
    expect(error.textContent).toContain("Check both fields");
    expect((byId("signin-password") as HTMLInputElement).value).toBe("");
    expect((byId("signin-username") as HTMLInputElement).value).toBe("asha");
    // Focus moves to the password once the error has rendered.
    await waitFor(() => expect(document.activeElement).toBe(byId("signin-password")));
    expect(screen.queryByTestId("org-picker-button")).toBeNull();
  });

  it("shows the lock after five failures", async () => {
    startApp();
    for (let i = 0; i < 5; i++) {
      await signIn("ravi", "wrong-password");
      await screen.findByTestId("form-error");
    }
    await waitFor(() => expect(byId("form-error").textContent).toContain("locked"));
    expect(byId("form-error").textContent).toContain("it unlocks by itself. An owner or admin of your organization can unlock it sooner");
    expect(byId("form-error").textContent?.match(/Try again/g)).toHaveLength(1);
  });

  it("enters with the active org, role badge and user in the top bar", async () => {
    startApp();
    await signInAs("asha");
    expect(byId("active-org-code").textContent).toBe("PWD");
    expect(byId("active-org-name").textContent).toBe("Public Works Department");
    expect(byId("active-role-badge").textContent).toBe("Owner");
    expect(byId("current-user").textContent).toContain("Asha Verma");
    expect(byId("current-user").textContent).toContain("Standard user");
    expect(byId("works-pane").textContent).toContain("Works — Public Works Department");
    await waitFor(() => expect(byId("works-pane").textContent).toContain("No estimates in PWD yet"));
    expect(byId("drop-hint").textContent?.trim()).toBe("Drop .xlsx, .xlsm, .xls or .ods files anywhere in this window, or choose them…");
  });

  it("signs out and switch user both return to the sign-in screen", async () => {
    startApp();
    await signInAs("asha");
    fireEvent.click(byId("sign-out"));
    expect(await screen.findByTestId("signin-username")).toBeTruthy();
    expect(screen.getByText("You signed out.")).toBeTruthy();

    await signInAs("asha");
    fireEvent.click(screen.getByRole("button", { name: /switch user/i }));
    expect(await screen.findByText(/Asha Verma signed out/)).toBeTruthy();
    expect(screen.queryByTestId("org-picker-button")).toBeNull();
  });
});

describe("navigation by role", () => {
  it("shows a member Works, Jobs, Outputs and Settings only", async () => {
    startApp();
    await signInAs("ravi");
    expect(byId("active-role-badge").textContent).toBe("Member");
    expect(navItems()).toEqual(["nav-works", "nav-jobs", "nav-outputs", "nav-settings"]);
  });

  it("shows an owner Works, Jobs, Outputs, Members, Audit and Settings", async () => {
    startApp();
    await signInAs("asha");
    expect(navItems()).toEqual(["nav-works", "nav-jobs", "nav-outputs", "nav-members", "nav-audit", "nav-settings"]);
  });

  it("tells an oversight user with no org to pick one, and marks the role read-only", async () => {
    startApp();
    await signInAs("auditor");
    expect(byId("works-pane").textContent).toContain("No organization is active");
    expect(screen.queryByTestId("active-role-badge")).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Choose organization" }));
    await screen.findByTestId("org-option-MOF");
    fireEvent.click(byId("org-option-MOF"));
    await waitFor(() => expect(byId("active-org-code").textContent).toBe("MOF"));
    expect(byId("active-role-badge").textContent).toBe("Oversight · read-only");
    expect(navItems()).toEqual(["nav-works", "nav-jobs", "nav-outputs", "nav-members", "nav-audit", "nav-settings"]);
  });
});

describe("organization picker", () => {
  it("opens with Ctrl-K, ticks the current org and lists only enterable orgs", async () => {
    startApp();
    await signInAs("asha");
    const picker = await openPickerWithKeyboard();
    await within(picker).findByTestId("org-option-PWD");
    const options = within(picker).getAllByRole("option");
    expect(options.map((o) => o.getAttribute("data-testid"))).toEqual([
      "org-option-ASHA",
      "org-option-MOH",
      "org-option-PWD",
      "org-option-WRA",
    ]);
    const current = byId("org-option-PWD");
    expect(current.getAttribute("data-active")).toBe("true");
    expect(current.getAttribute("aria-selected")).toBe("true");
    expect(within(current).getByRole("img", { name: "Current organization" })).toBeTruthy();
    expect(byId("org-option-MOH").getAttribute("data-active")).toBeNull();
    expect(document.activeElement).toBe(byId("org-picker-search"));
  });

  it("lets a superuser create an organization in the picker and switches to it; others are not offered it", async () => {
    const fake = startApp();
    await signInAs("admin");
    fireEvent.click(byId("org-picker-button"));
    await screen.findByTestId("org-option-MOH");
    fireEvent.click(byId("new-org-open"));
    expect(within(byId("new-org-type")).queryByText("Personal")).toBeNull();

    // A bad code is named in place, and what was typed stays.
    fireEvent.change(byId("new-org-code"), { target: { value: "P" } });
    fireEvent.change(byId("new-org-name"), { target: { value: "Public Works Division 7" } });
    fireEvent.click(byId("new-org-create"));
    expect((await screen.findByTestId("new-org-error")).textContent).toContain("must be 2 to 32 letters");
    expect((byId("new-org-name") as HTMLInputElement).value).toBe("Public Works Division 7");

    // Enter in a field submits the form; it does not switch to the highlighted org.
    fireEvent.change(byId("new-org-code"), { target: { value: "PWD-7" } });
    fireEvent.keyDown(byId("new-org-code"), { key: "Enter" });
    fireEvent.click(byId("new-org-create"));
    await waitFor(() => expect(byId("active-org-code").textContent).toBe("PWD-7"));
    expect(screen.queryByTestId("org-picker")).toBeNull();
    expect(byId("active-org-name").textContent).toBe("Public Works Division 7");
    const created = (await fake.listAudit({ deniedOnly: false, limit: 100 })).find((e) => e.action === "org.create");
    expect(created).toMatchObject({ username: "admin", orgCode: "PWD-7", outcome: "success" });

    fireEvent.click(byId("sign-out"));
    await screen.findByTestId("signin-username");
    await signInAs("asha");
    fireEvent.click(byId("org-picker-button"));
    await screen.findByTestId("org-option-PWD");
    expect(screen.queryByTestId("new-org-open")).toBeNull();
  });

  it("filters as you type: moh finds MOH, a name finds its org, nonsense says nothing matches", async () => {
    startApp();
    await signInAs("admin");
    fireEvent.click(byId("org-picker-button"));
    await screen.findByTestId("org-option-MOH");
    const search = byId("org-picker-search");

    fireEvent.change(search, { target: { value: "moh" } });
    expect(screen.getAllByRole("option").map((o) => o.textContent?.slice(0, 3))).toEqual(["MOH"]);
    expect(byId("org-option-MOH").getAttribute("aria-selected")).toBe("true");

    fireEvent.change(search, { target: { value: "highways" } });
    expect(screen.getAllByRole("option").map((o) => o.getAttribute("data-testid"))).toEqual(["org-option-NHC"]);

    fireEvent.change(search, { target: { value: "qqq" } });
    expect(screen.queryAllByRole("option")).toHaveLength(0);
    expect(screen.getByText("No organization matches “qqq”.")).toBeTruthy();
  });

  it("moves with the arrows and switches with Enter, updating the whole window", async () => {
    startApp();
    await signInAs("asha");
    fireEvent.click(byId("nav-members"));
    await screen.findByText("Ravi Kumar");

    await openPickerWithKeyboard();
    await screen.findByTestId("org-option-PWD");
    const search = byId("org-picker-search");
    // PWD (index 2) is highlighted; up once reaches MOH.
    fireEvent.keyDown(search, { key: "ArrowUp" });
    expect(byId("org-option-MOH").getAttribute("aria-selected")).toBe("true");
    expect(byId("org-option-PWD").getAttribute("aria-selected")).toBe("false");
    expect(search.getAttribute("aria-activedescendant")).toBe(byId("org-option-MOH").id);
    fireEvent.keyDown(search, { key: "Enter" });

    await waitFor(() => expect(screen.queryByTestId("org-picker")).toBeNull());
    expect(byId("active-org-code").textContent).toBe("MOH");
    expect(byId("active-org-name").textContent).toBe("Ministry of Health");
    expect(byId("active-role-badge").textContent).toBe("Admin");
    // The members pane reloaded for MOH.
    expect(await screen.findByText("Meena Iyer")).toBeTruthy();
    expect(byId("members-pane").textContent).toContain("Members — Ministry of Health");
    expect(screen.queryByText("Ravi Kumar")).toBeNull();

    await openPickerWithKeyboard();
    await waitFor(() => expect(byId("org-option-MOH").getAttribute("data-active")).toBe("true"));
    expect(byId("org-option-PWD").getAttribute("data-active")).toBeNull();
  });

  it("types moh and Enter to switch, as the end-to-end test does", async () => {
    const fake = startApp();
    await signInAs("ops");
    expect(byId("active-org-code").textContent).toBe("—");
    fireEvent.click(byId("org-picker-button"));
    await screen.findByTestId("org-option-MOH");
    fireEvent.change(byId("org-picker-search"), { target: { value: "moh" } });
    fireEvent.keyDown(byId("org-picker-search"), { key: "Enter" });
    await waitFor(() => expect(byId("active-org-code").textContent).toBe("MOH"));
    expect(byId("active-role-badge").textContent).toBe("Operations");
    expect(fake.calls.filter((c) => c === "switch_org")).toHaveLength(1);
  });

  it("closes with Escape and gives focus back to the picker button", async () => {
    startApp();
    await signInAs("asha");
    await openPickerWithKeyboard();
    fireEvent.keyDown(byId("org-picker-search"), { key: "Escape" });
    expect(screen.queryByTestId("org-picker")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(byId("org-picker-button")));
    // Marked so its focus ring shows although script gave the focus; gone once focus moves on.
    expect(byId("org-picker-button").dataset.focusReturned).toBe("true");
    fireEvent.blur(byId("org-picker-button"));
    expect(byId("org-picker-button").dataset.focusReturned).toBeUndefined();
    expect(byId("active-org-code").textContent).toBe("PWD");
  });

  it("shows a refused switch inside the picker and keeps the current org", async () => {
    const fake = startApp();
    await signInAs("asha");
    await openPickerWithKeyboard();
    await screen.findByTestId("org-option-WRA");
    fake.failNext("switch_org", { code: "denied", message: "Your membership in WRA was removed." });
    fireEvent.click(byId("org-option-WRA"));
    const error = await screen.findByTestId("picker-error");
    expect(error.textContent).toContain("Your membership in WRA was removed.");
    expect(error.textContent).toContain("Pick another organization");
    expect(byId("org-picker")).toBeTruthy();
    expect(byId("active-org-code").textContent).toBe("PWD");
  });
});

describe("panes", () => {
  it("lists members with role and primary flag", async () => {
    startApp();
    await signInAs("asha");
    fireEvent.click(byId("nav-members"));
    const row = (await screen.findByText("Ravi Kumar")).closest("tr")!;
    expect(within(row).getByText("ravi")).toBeTruthy();
    expect(within(row).getByText("Member")).toBeTruthy();
    expect(within(row).getByText("Primary")).toBeTruthy();
    expect(byId("nav-members").getAttribute("aria-current")).toBe("page");
  });

  it("filters the audit log and marks denied rows with text", async () => {
    startApp();
    await signInAs("admin");
    fireEvent.click(byId("nav-audit"));
    const pane = byId("audit-pane");
    await waitFor(() => expect(within(pane).getAllByRole("row").length).toBeGreaterThan(5));
    const deniedRows = pane.querySelectorAll('tr[data-outcome="denied"]');
    expect(deniedRows.length).toBeGreaterThan(0);
    deniedRows.forEach((row) => expect(row.textContent).toContain("Denied"));

    fireEvent.click(byId("audit-denied-only"));
    await waitFor(() => {
      const body = pane.querySelectorAll("tbody tr");
      expect(body.length).toBe(3);
      body.forEach((row) => expect(row.getAttribute("data-outcome")).toBe("denied"));
    });

    fireEvent.change(byId("audit-filter"), { target: { value: "oversight" } });
    const rows = pane.querySelectorAll("tbody tr");
    expect(rows).toHaveLength(1);
    // The action in words, its name on hover.
    expect(rows[0]?.textContent).toContain("Remove a member");
    expect(rows[0]?.querySelector('[data-testid="audit-action"]')?.getAttribute("title")).toBe("members.remove");
  });

  it("says the audit log's chain is verified", async () => {
    startApp();
    await signInAs("admin");
    fireEvent.click(byId("nav-audit"));
    await waitFor(() => expect(byId("audit-chain").textContent).toMatch(/Verified: \d+ entries link in an unbroken chain/));
    // The list's count may run ahead of it: the check says when it was made.
    expect(byId("audit-chain").textContent).toContain("checked when this pane opened; later entries at the next check");
    expect(byId("audit-chain").getAttribute("role")).toBeNull();
  });

  it("raises an alert naming the entry where the audit chain breaks", async () => {
    startApp({ ...demoSeed(), auditBreak: { id: 4, reason: "Entry 4 does not match its hash." } });
    await signInAs("admin");
    fireEvent.click(byId("nav-audit"));
    await waitFor(() => expect(byId("audit-chain").getAttribute("role")).toBe("alert"));
    expect(byId("audit-chain").textContent).toContain("the chain breaks at entry 4");
    expect(byId("audit-chain").textContent).toContain("Entry 4 does not match its hash.");
    // A break of the chain itself is not anchored away: the core's refusal is shown in place.
    fireEvent.click(byId("audit-reanchor-open"));
    fireEvent.change(byId("audit-reanchor-reason"), { target: { value: "Accept it as it is now" } });
    fireEvent.click(byId("audit-reanchor-confirm"));
    expect((await screen.findByTestId("audit-reanchor-error")).textContent).toContain("The log's own chain is broken at entry 4");
    expect(byId("audit-chain").getAttribute("role")).toBe("alert");
  });

  it("lets a superuser accept the log as it stands when its anchor file is lost, with a reason", async () => {
    const fake = startApp({
      ...demoSeed(),
      auditBreak: { id: 6, reason: "The anchor file audit-anchor.json is missing, though the anchor of entry 6 was written." },
    });
    await signInAs("admin");
    fireEvent.click(byId("nav-audit"));
    await waitFor(() => expect(byId("audit-chain").getAttribute("role")).toBe("alert"));
    expect(byId("audit-chain").textContent).toMatch(/All \d+ entries link correctly among themselves; it is the check against the anchor that failed/);
    fireEvent.click(byId("audit-reanchor-open"));
    const confirm = byId("audit-reanchor-confirm") as HTMLButtonElement;
    fireEvent.change(byId("audit-reanchor-reason"), { target: { value: "lost" } });
    expect(confirm.disabled).toBe(true); // a reason worth keeping first
    fireEvent.change(byId("audit-reanchor-reason"), { target: { value: "Disk restored from the March backup" } });
    fireEvent.click(confirm);
    await waitFor(() => expect(byId("audit-chain").textContent).toMatch(/Verified: \d+ entries link in an unbroken chain/));
    const kept = (await fake.listAudit({ deniedOnly: false, limit: 500 })).find((e) => e.action === "audit.reanchor");
    expect(kept).toMatchObject({ username: "admin", outcome: "success" });
    expect(kept?.reason).toContain("Disk restored from the March backup");
  });

  it("offers no re-anchoring to anyone but a superuser", async () => {
    startApp({ ...demoSeed(), auditBreak: { id: 6, reason: "The anchor file audit-anchor.json is missing." } });
    await signInAs("auditor");
    fireEvent.click(byId("nav-audit"));
    await waitFor(() => expect(byId("audit-chain").getAttribute("role")).toBe("alert"));
    expect(screen.queryByTestId("audit-reanchor-open")).toBeNull();
  });

  it("sends the person back to sign in when the session has ended", async () => {
    const fake = startApp();
    await signInAs("asha");
    fake.failNext("list_members", { code: "not_signed_in", message: "Not signed in." });
    fireEvent.click(byId("nav-members"));
    expect(await screen.findByText(/Your session has ended/)).toBeTruthy();
    expect(screen.getByTestId("signin-username")).toBeTruthy();
  });
});

describe("unexpected errors", () => {
  it("shows the error banner when the app cannot start, and recovers on retry", async () => {
    const fake = createFakeBackend(demoSeed());
    fake.failNext("app_status", { code: "internal", message: "The database file is damaged." });
    renderApp(fake);
    const banner = await screen.findByTestId("error-banner");
    expect(banner.textContent).toContain("The database file is damaged.");
    await act(async () => {
      fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    });
    expect(await screen.findByTestId("signin-username")).toBeTruthy();
  });

  it("puts a failed sign-out in the banner and stays signed in", async () => {
    const fake = startApp();
    await signInAs("asha");
    fake.failNext("sign_out", { code: "internal", message: "Disk full." });
    fireEvent.click(byId("sign-out"));
    expect((await screen.findByTestId("error-banner")).textContent).toContain("Could not sign out: Disk full.");
    expect(byId("org-picker-button")).toBeTruthy();
  });
});

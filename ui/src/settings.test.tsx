import { fireEvent, screen, waitFor } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import type { FakeSeed } from "./fake/backend";
import { DEMO_PASSWORD, demoSeed } from "./fake/demoSeed";
import { byId, signIn, startApp } from "./test/app";

async function openSettingsAs(username: string, extra: Partial<FakeSeed> = {}) {
  const fake = startApp(demoSeed(extra));
  await signIn(username);
  fireEvent.click(await screen.findByTestId("nav-settings"));
  await screen.findByTestId("sync-state");
  return fake;
}

const type = (id: string, value: string) => fireEvent.change(byId(id), { target: { value } });

/** Types a whole sync target, secret included, and saves it. */
function saveTarget() {
  type("sync-endpoint", "http://127.0.0.1:9000");
  type("sync-bucket", "pwd-outputs");
  type("sync-accessKeyId", "AKTEST");
  type("sync-secret", "s3cr3t-value");
  fireEvent.click(byId("sync-save"));
}

describe("Settings: sync", () => {
  it("lets an owner set a target, keeps the secret out of sight, tests it and shows the state in the top bar", async () => {
    const fake = await openSettingsAs("asha");
    expect(byId("sync-state").textContent).toContain("stay on this computer only");
    await waitFor(() => expect(byId("sync-indicator-text").textContent).toBe("Local only"));

    saveTarget();

    expect((await screen.findByTestId("sync-said")).textContent).toContain("keyring");
    expect((byId("sync-secret") as HTMLInputElement).value).toBe("");
    expect(document.body.textContent).not.toContain("s3cr3t-value");
    expect(fake.calls).toContain("sync_configure");
    await waitFor(() => expect(byId("sync-indicator-text").textContent).toBe("Up to date"));

    fireEvent.click(byId("sync-test"));
    expect((await screen.findByTestId("sync-said")).textContent).toContain("wrote, read back and deleted");

    // Another bucket typed and not saved: Test would check the saved one, so it waits, saying
    // why; typed back as saved, it is offered again.
    const savedBucket = (byId("sync-bucket") as HTMLInputElement).value;
    fireEvent.change(byId("sync-bucket"), { target: { value: "other-bucket" } });
    expect((byId("sync-test") as HTMLButtonElement).disabled).toBe(true);
    expect((byId("sync-run") as HTMLButtonElement).disabled).toBe(true);
    expect((byId("sync-check") as HTMLButtonElement).disabled).toBe(true);
    // Said in view, in place of the last result, which was about the saved target.
    expect(byId("sync-unsaved").textContent).toContain("Save the settings first");
    expect(screen.queryByTestId("sync-said")).toBeNull();
    fireEvent.change(byId("sync-bucket"), { target: { value: savedBucket } });
    expect((byId("sync-test") as HTMLButtonElement).disabled).toBe(false);
    // A secret typed and not saved is an edit too: the test would use the saved one.
    type("sync-secret", "another-secret");
    expect((byId("sync-test") as HTMLButtonElement).disabled).toBe(true);
    type("sync-secret", "");
    expect((byId("sync-test") as HTMLButtonElement).disabled).toBe(false);

    fireEvent.click(byId("sync-check"));
    await waitFor(() => expect(byId("sync-said").textContent).toMatch(/synced outputs? of \S+ (are|is) in the bucket|nothing to check/));
    expect(fake.calls).toContain("sync_check");
    // When it was checked stays in view, as the background check's time does.
    await waitFor(() => expect(byId("sync-counts").textContent).toMatch(/bucket checked \S/));
    expect(fake.calls).not.toContain("sync_check_deep");

    // Comparing contents asks for the deep check, which reads every object back.
    fireEvent.click(byId("sync-check-deep"));
    fireEvent.click(byId("sync-check"));
    await waitFor(() => expect(fake.calls).toContain("sync_check_deep"));
  });

  it("shows a deep check moving, output by output, and the time of the check once it is done", async () => {
    const fake = await openSettingsAs("asha", { jobStepMs: 5 });
    // The example's first bill gives the org outputs to sync.
    await fake.importExample();
    await waitFor(async () => expect((await fake.listOutputs(null)).length).toBeGreaterThan(0), { timeout: 5000 });
    saveTarget();
    await waitFor(() => expect(byId("sync-indicator-text").textContent).toMatch(/^\d+ waiting$/));
    fireEvent.click(byId("sync-run"));
    await waitFor(() => expect(byId("sync-said").textContent).toMatch(/Synced\. [1-9]\d* outputs? (are|is) in the bucket/));
    const synced = Number(/Synced\. (\d+)/.exec(byId("sync-said").textContent ?? "")?.[1]);

    fireEvent.click(byId("sync-check-deep"));
    fireEvent.click(byId("sync-check"));
    await waitFor(() => expect(byId("sync-check-progress").textContent).toBe(` · comparing contents: 0 of ${synced} output${synced === 1 ? "" : "s"}`));
    expect(byId("sync-check").textContent).toBe("Comparing contents…");
    expect(byId("sync-counts").textContent).not.toContain("bucket checked");

    await waitFor(() => expect(byId("sync-said").textContent).toContain("in the bucket"), { timeout: 5000 });
    await waitFor(() => expect(screen.queryByTestId("sync-check-progress")).toBeNull());
    expect(byId("sync-counts").textContent).toMatch(/bucket checked \S/);
  });

  it("says a second restore joins the one under way instead of queueing another", async () => {
    await openSettingsAs("asha");
    saveTarget();
    await screen.findByTestId("sync-restore");

    fireEvent.click(byId("sync-restore"));
    await waitFor(() => expect(byId("sync-said").textContent).toMatch(/Restore queued as job (\d+); follow it in Jobs/));
    const job = /job (\d+)/.exec(byId("sync-said").textContent ?? "")?.[1];

    fireEvent.click(byId("sync-restore"));
    await waitFor(() => expect(byId("sync-said").textContent).toContain(`A restore is already under way as job ${job}`));
    expect(byId("sync-said").textContent).not.toContain("Restore queued");
  });

  it("says in place why a bad endpoint was refused, and keeps what was typed", async () => {
    await openSettingsAs("asha");
    type("sync-endpoint", "s3 dot amazon");
    type("sync-bucket", "pwd-outputs");
    type("sync-secret", "x");
    fireEvent.click(byId("sync-save"));
    const error = await screen.findByTestId("sync-said-error");
    expect(error.textContent).toContain("'s3 dot amazon' is not a URL");
    expect((byId("sync-endpoint") as HTMLInputElement).value).toBe("s3 dot amazon");
  });

  it("keeps a target typed and not saved across a visit to another pane, but never the secret", async () => {
    const fake = await openSettingsAs("asha");
    type("sync-endpoint", "https://s3.example.org");
    type("sync-bucket", "pwd-outputs");
    type("sync-secret", "s3cr3t-value");

    fireEvent.click(byId("nav-jobs"));
    await screen.findByTestId("jobs-pane");
    fireEvent.click(byId("nav-settings"));
    await screen.findByTestId("sync-state");
    expect((byId("sync-endpoint") as HTMLInputElement).value).toBe("https://s3.example.org");
    expect((byId("sync-bucket") as HTMLInputElement).value).toBe("pwd-outputs");
    expect((byId("sync-secret") as HTMLInputElement).value).toBe("");
    expect(byId("sync-restored").textContent).toContain("the secret is never kept");

    // Start again goes back to what is saved (nothing yet), and nothing is kept any more.
    fireEvent.click(byId("sync-start-again"));
    expect((byId("sync-endpoint") as HTMLInputElement).value).toBe("");
    fireEvent.click(byId("nav-jobs"));
    await screen.findByTestId("jobs-pane");
    fireEvent.click(byId("nav-settings"));
    await screen.findByTestId("sync-state");
    expect((byId("sync-endpoint") as HTMLInputElement).value).toBe("");
    expect(screen.queryByTestId("sync-restored")).toBeNull();
    expect(fake.calls).not.toContain("sync_configure");
  });

  it("shows a member the target read-only, with the reason", async () => {
    await openSettingsAs("ravi");
    expect(byId("sync-readonly").textContent).toContain("Only an owner or admin of PWD");
    expect((byId("sync-endpoint") as HTMLInputElement).disabled).toBe(true);
    expect((byId("sync-save") as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("Settings: inbox", () => {
  it("picks a folder, watches it, and shows the inbox in the top bar", async () => {
    const fake = await openSettingsAs("ravi");
    expect(byId("inbox-state").textContent).toContain("No inbox folder is set");
    fireEvent.click(screen.getByRole("button", { name: "Choose…" }));
    await waitFor(() => expect((byId("inbox-folder") as HTMLInputElement).value).toBe("/home/user/Estimates inbox"));
    fireEvent.click(byId("inbox-watch"));
    expect((await screen.findByTestId("inbox-said")).textContent).toContain("import into PWD");
    await waitFor(() => expect(byId("inbox-state").textContent).toContain("Watching /home/user/Estimates inbox"));
    expect(byId("inbox-indicator").textContent).toContain("Inbox: Estimates inbox");
    expect(fake.calls).toContain("inbox_set");

    fireEvent.click(byId("inbox-off"));
    await waitFor(() => expect(screen.queryByTestId("inbox-indicator")).toBeNull());
  });

  it("refuses a relative folder where it was typed", async () => {
    await openSettingsAs("ravi");
    type("inbox-folder", "Estimates");
    fireEvent.click(byId("inbox-watch"));
    expect((await screen.findByTestId("inbox-said-error")).textContent).toContain("must be a full path");
  });

  it("does not let a member take over the inbox an owner set, and says whose it is", async () => {
    const fake = startApp(demoSeed());
    await fake.signIn({ username: "asha", password: DEMO_PASSWORD }); // owner of PWD
    await fake.inboxSet("/home/asha/Estimates inbox");
    await signIn("ravi"); // a member of PWD
    fireEvent.click(await screen.findByTestId("nav-settings"));
    await waitFor(() => expect(byId("inbox-state").textContent).toContain("Watching /home/asha/Estimates inbox"));
    // Said before any click, and the controls are not offered: they had been, and only the
    // click was refused.
    expect(byId("inbox-others").textContent).toContain(
      "asha set this computer’s inbox for PWD. Only asha, a superuser, or an owner or admin of PWD may replace it or turn it off.",
    );
    expect((byId("inbox-folder") as HTMLInputElement).disabled).toBe(true);
    expect((byId("inbox-off") as HTMLButtonElement).disabled).toBe(true);
    // The fake backend keeps the core's rule for whatever asks it all the same.
    await expect(fake.inboxSet("/home/ravi/Mine")).rejects.toMatchObject({
      message: expect.stringContaining("This computer's inbox was set by asha, importing into PWD."),
    });
    expect((await fake.inboxSettings())?.username).toBe("asha");
  });
});

describe("Settings: this computer", () => {
  it("lets a superuser change retention and workers, naming a bad value, and shows others why not", async () => {
    const fake = await openSettingsAs("admin", { lastOrg: { admin: "PWD" } });
    await waitFor(() => expect((byId("device-retention") as HTMLInputElement).value).toBe("30"));
    type("device-retention", "0");
    fireEvent.click(byId("device-save"));
    expect((await screen.findByTestId("device-said-error")).textContent).toContain("retention must be 1 to 3650 days, not 0");
    type("device-retention", "90");
    type("device-workers", "3");
    fireEvent.click(byId("device-save"));
    expect((await screen.findByTestId("device-said")).textContent).toContain("Saved");
    expect(await fake.deviceSettings()).toEqual({ retentionDays: 90, workers: 3 });
  });

  it("shows a standard account the settings read-only", async () => {
    await openSettingsAs("ravi");
    expect(byId("device-readonly").textContent).toContain("Only a superuser");
    expect((byId("device-save") as HTMLButtonElement).disabled).toBe(true);
  });
});

describe("Settings: deductions", () => {
  it("shows the example set, lets an owner change a line, and names a bad rate", async () => {
    const fake = await openSettingsAs("asha");
    const table = await screen.findByTestId("deductions-table");
    expect(table.textContent).toContain("Security deposit");
    expect(byId("deduction-SD").textContent).toContain("up to 5 % of the contract");
    expect(document.body.textContent).toContain("shipped as an example, not law");

    fireEvent.click(byId("deduction-edit-IT-TDS"));
    expect((byId("deduction-label") as HTMLInputElement).value).toBe("Income tax TDS (194C)");
    type("deduction-value", "1");
    fireEvent.click(byId("deduction-save"));
    expect((await screen.findByTestId("deductions-said")).textContent).toContain("Line IT-TDS saved");
    expect(byId("deduction-IT-TDS").textContent).toContain("1 %");
    expect(fake.calls).toContain("save_deduction");
    expect(document.body.textContent).not.toContain("shipped as an example");

    type("deduction-code", "PEN");
    type("deduction-label", "Penalty");
    type("deduction-value", "120");
    fireEvent.click(byId("deduction-save"));
    expect((await screen.findByTestId("deductions-said-error")).textContent).toContain("from 0 to 100");

    fireEvent.click(byId("deduction-remove-LC"));
    await waitFor(() => expect(screen.queryByTestId("deduction-LC")).toBeNull());
  });

  it("keeps a code's earlier line beside a new rate from a date, and removes only the line asked", async () => {
    const fake = await openSettingsAs("asha");
    await screen.findByTestId("deductions-table");
    fireEvent.click(byId("deduction-edit-SD"));
    type("deduction-value", "7.5");
    fireEvent.change(screen.getByLabelText("In force from"), { target: { value: "01-08-2025" } });
    fireEvent.click(byId("deduction-save"));
    expect((await screen.findByTestId("deductions-said")).textContent).toContain(
      "Line SD from 01-08-2025 saved. Bills dated before it keep SD's earlier line",
    );
    const rows = screen.getAllByTestId("deduction-SD");
    expect(rows).toHaveLength(2);
    const dated = rows.findIndex((row) => row.textContent?.includes("01-08-2025"));
    expect(rows[dated]!.textContent).toContain("7.5 %");
    fireEvent.click(screen.getAllByTestId("deduction-remove-SD")[dated]!);
    await waitFor(() => expect(screen.getAllByTestId("deduction-SD")).toHaveLength(1));
    expect(byId("deduction-SD").textContent).toContain("5 %");
    expect(byId("deduction-SD").textContent).not.toContain("01-08-2025");
    expect(fake.calls).toContain("remove_deduction");
  });

  it("shows the labour-cess condition and lets an owner set it on a line of the office's own", async () => {
    const fake = await openSettingsAs("asha");
    await screen.findByTestId("deductions-table");
    expect(byId("deduction-LC").textContent).toContain("estimate without an LC row");
    expect(byId("deduction-IT-TDS").textContent).not.toContain("LC row");
    const itRate = byId("deduction-IT-TDS").querySelectorAll("td")[2]!;
    expect(itRate.querySelector(".nowrap")?.textContent).toBe("2 %");
    expect(itRate.querySelector(".muted")?.textContent).toBe("1 % for an individual or HUF");

    type("deduction-code", "BOCW");
    type("deduction-label", "Welfare cess");
    type("deduction-value", "1");
    fireEvent.click(byId("deduction-unless-lc"));
    fireEvent.click(byId("deduction-save"));
    expect((await screen.findByTestId("deductions-said")).textContent).toContain("Line BOCW saved");
    expect(byId("deduction-BOCW").textContent).toContain("estimate without an LC row");
    const saved = (await fake.listDeductions()).lines.find((line) => line.code === "BOCW");
    expect(saved?.unlessEstimateHasLc).toBe(true);
    // The form is cleared for the next line, the condition with it.
    expect((byId("deduction-unless-lc") as HTMLInputElement).checked).toBe(false);
  });

  it("shows a member the table without the means to change it", async () => {
    await openSettingsAs("ravi");
    await screen.findByTestId("deductions-table");
    expect((byId("deduction-edit-SD") as HTMLButtonElement).disabled).toBe(true);
    expect(screen.queryByTestId("deduction-form")).toBeNull();
    expect(document.body.textContent).toContain("Only owners and admins of PWD change this table");
  });
});

describe("Settings: documents", () => {
  it("lets an owner print amounts with the rupee sign, and says documents already made keep theirs", async () => {
    const fake = await openSettingsAs("asha");
    const rs = (await screen.findByTestId("currency-rs")) as HTMLInputElement;
    await waitFor(() => expect(rs.checked).toBe(true));
    fireEvent.click(byId("currency-rupee"));
    expect((await screen.findByTestId("currency-said")).textContent).toContain(
      "New documents print amounts as ₹ 1,200.00; documents already made keep theirs",
    );
    expect((byId("currency-rupee") as HTMLInputElement).checked).toBe(true);
    expect(rs.checked).toBe(false);
    expect(fake.calls).toContain("currency_mark_set");
  });

  it("shows a member the choice without the means to change it", async () => {
    await openSettingsAs("ravi");
    const rs = (await screen.findByTestId("currency-rs")) as HTMLInputElement;
    await waitFor(() => expect(rs.checked).toBe(true));
    expect(rs.closest("fieldset")?.disabled).toBe(true);
    expect(document.body.textContent).toContain("Only owners and admins of PWD change this.");
  });
});

describe("Settings: your password", () => {
  it("changes the signed-in person's password, and says in place what was wrong", async () => {
    const fake = await openSettingsAs("ravi");
    type("account-current-password", DEMO_PASSWORD);
    type("account-new-password", "ravis-new-1");
    type("account-new-password-again", "ravis-new-2");
    fireEvent.click(byId("account-change-password"));
    expect((await screen.findByTestId("account-said-error")).textContent).toContain("differ");

    type("account-current-password", "not his password");
    type("account-new-password-again", "ravis-new-1");
    fireEvent.click(byId("account-change-password"));
    expect((await screen.findByTestId("account-said-error")).textContent).toContain("wrong");

    type("account-current-password", DEMO_PASSWORD);
    fireEvent.click(byId("account-change-password"));
    expect((await screen.findByTestId("account-said")).textContent).toContain("Password changed");
    expect((byId("account-new-password") as HTMLInputElement).value).toBe("");
    await expect(fake.signIn({ username: "ravi", password: "ravis-new-1" })).resolves.toBeTruthy();
  });
});

describe("Settings: this computer, odd numbers", () => {
  it("refuses a negative retention in plain words", async () => {
    await openSettingsAs("admin", { lastOrg: { admin: "PWD" } });
    await waitFor(() => expect((byId("device-retention") as HTMLInputElement).value).not.toBe(""));
    type("device-retention", "-1");
    fireEvent.click(byId("device-save"));
    const said = (await screen.findByTestId("device-said-error")).textContent ?? "";
    expect(said).toContain("1 to 3650 days");
    expect(said).not.toContain("u32");
  });
});

describe("Settings: organization", () => {
  it("lets an owner rename the organization, keeping its code, and the top bar shows the new name", async () => {
    const fake = await openSettingsAs("meena"); // owner of MOH
    expect(byId("active-org-name").textContent).toBe("Ministry of Health");
    const name = byId("org-name") as HTMLInputElement;
    expect(name.value).toBe("Ministry of Health");
    const rename = byId("org-rename") as HTMLButtonElement;
    expect(rename.disabled).toBe(true); // nothing changed yet

    type("org-name", "Health Engineering Department");
    fireEvent.click(rename);
    expect((await screen.findByTestId("org-said")).textContent?.trim()).toBe(
      "MOH is now named “Health Engineering Department”. Its code stays; documents already made keep the name they print.",
    );
    expect(fake.calls).toContain("org_rename");
    await waitFor(() => expect(byId("active-org-name").textContent).toBe("Health Engineering Department"));
    expect(byId("active-org-code").textContent).toBe("MOH");
    expect((await fake.listOrgs()).find((o) => o.code === "MOH")?.name).toBe("Health Engineering Department");

    // A bad name is refused where it was typed, in the core's words.
    type("org-name", "Health\tDepartment");
    fireEvent.click(byId("org-rename"));
    expect((await screen.findByTestId("org-said-error")).textContent).toContain("holds a line break, tab or other control character");
  });

  it("shows an admin the name, read only, and says who renames it", async () => {
    await openSettingsAs("asha");
    // asha is an owner of PWD, her primary org; in MOH she is an admin.
    expect((byId("org-name") as HTMLInputElement).disabled).toBe(false);
    fireEvent.click(byId("org-picker-button"));
    fireEvent.click(await screen.findByTestId("org-option-MOH"));
    await waitFor(() => expect(byId("active-org-code").textContent).toBe("MOH"));
    fireEvent.click(await screen.findByTestId("nav-settings"));
    await waitFor(() => expect((byId("org-name") as HTMLInputElement).value).toBe("Ministry of Health"));
    expect((byId("org-name") as HTMLInputElement).disabled).toBe(true);
    expect((byId("org-rename") as HTMLButtonElement).disabled).toBe(true);
    expect(document.body.textContent).toContain("Only owners of MOH rename it.");
  });
});

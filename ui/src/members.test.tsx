/**
 * Members in the window, against the fake backend (which keeps the core's rules): owners and
 * admins add, re-role and remove members, each refusal is shown on the row or form it came from,
 * and every change and refusal is audited.
 */
import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import { describe, expect, it } from "vitest";
import { DEMO_PASSWORD, demoSeed } from "./fake/demoSeed";
import { byId, signIn, startApp } from "./test/app";

async function openMembersAs(username: string) {
  await signIn(username);
  await screen.findByTestId("org-picker-button");
  fireEvent.click(byId("nav-members"));
}

describe("members pane", () => {
  it("lets an owner add a new account, change a role and remove a member, each audited", async () => {
    const fake = startApp();
    await openMembersAs("asha"); // owner of PWD, her primary org
    await screen.findByTestId("member-ravi");

    // A new standard account, created and added in one step.
    fireEvent.click(byId("member-mode-new"));
    fireEvent.change(byId("member-full-name"), { target: { value: "Sunil Das" } });
    fireEvent.change(byId("member-username"), { target: { value: "sunil" } });
    fireEvent.change(byId("member-password"), { target: { value: "short" } });
    fireEvent.click(byId("member-add"));
    expect((await screen.findByTestId("member-add-error")).textContent).toContain("at least 8 characters");
    fireEvent.change(byId("member-password"), { target: { value: "correct horse" } });
    fireEvent.click(byId("member-add"));
    expect((await screen.findByTestId("member-add-done")).textContent).toContain("Sunil Das (sunil) is now a member of PWD");
    await screen.findByTestId("member-sunil");

    // Ravi becomes an admin; the confirmation is on his row.
    fireEvent.change(byId("member-role-ravi"), { target: { value: "admin" } });
    expect((await screen.findByTestId("member-done-ravi")).textContent).toContain("ravi is now an admin");
    await waitFor(() => expect((byId("member-role-ravi") as HTMLSelectElement).value).toBe("admin"));

    // Removing asks first, on the row.
    fireEvent.click(byId("member-remove-meena"));
    expect(within(byId("member-meena")).getByText(/Remove meena from PWD\?/)).toBeTruthy();
    fireEvent.click(byId("member-remove-confirm-meena"));
    expect((await screen.findByTestId("member-removed")).textContent).toContain("meena was removed from PWD");
    await waitFor(() => expect(screen.queryByTestId("member-meena")).toBeNull());

    const actions = (await fake.listAudit({ deniedOnly: false, limit: 100 }))
      .filter((entry) => entry.orgCode === "PWD" && entry.outcome === "success")
      .map((entry) => `${entry.action} ${entry.objectId} ${entry.reason}`);
    expect(actions).toEqual(
      expect.arrayContaining([
        "account.create sunil kind standard, role member",
        "member.role ravi member -> admin",
        "member.remove meena was viewer",
      ]),
    );
  });

  it("shows a member locked out by wrong passwords, and an owner unlocks them at once", async () => {
    const fake = startApp();
    for (let attempt = 0; attempt < 5; attempt += 1) {
      await expect(fake.signIn({ username: "ravi", password: "not his password" })).rejects.toBeTruthy();
    }
    await openMembersAs("asha");
    const locked = await screen.findByTestId("member-locked-ravi");
    expect(locked.textContent).toMatch(/Locked until \d\d:\d\d/);
    // Only the locked member offers Unlock.
    expect(screen.queryByTestId("member-unlock-meena")).toBeNull();

    fireEvent.click(byId("member-unlock-ravi"));
    expect((await screen.findByTestId("member-done-ravi")).textContent).toContain(
      "ravi is unlocked and may sign in again now",
    );
    await waitFor(() => expect(screen.queryByTestId("member-locked-ravi")).toBeNull());
    expect(screen.queryByTestId("member-unlock-ravi")).toBeNull();

    const unlocks = (await fake.listAudit({ deniedOnly: false, limit: 100 })).filter(
      (entry) => entry.action === "member.unlock",
    );
    expect(unlocks.map((entry) => `${entry.username} ${entry.objectId} ${entry.outcome}`)).toEqual([
      "asha ravi success",
    ]);
    expect(unlocks[0]?.reason).toMatch(/^locked until /);
  });

  it("resets a forgotten password, which its owner replaces with their own at the next sign-in", async () => {
    const fake = startApp();
    await openMembersAs("asha");
    await screen.findByTestId("member-ravi");
    fireEvent.click(byId("member-reset-ravi"));
    fireEvent.change(byId("member-reset-password-ravi"), { target: { value: "temporary-7" } });
    fireEvent.click(byId("member-reset-confirm-ravi"));
    expect((await screen.findByTestId("member-done-ravi")).textContent).toContain("ravi has a temporary password");

    // ravi signs in with it: the form asks for his own, twice, and signs him in with it.
    fireEvent.click(byId("sign-out"));
    await signIn("ravi", "temporary-7");
    expect((await screen.findByTestId("form-error")).textContent).toContain("choose a new one");
    fireEvent.change(byId("signin-new-password"), { target: { value: "ravis-own-1" } });
    fireEvent.change(byId("signin-new-password-again"), { target: { value: "ravis-own-2" } });
    fireEvent.click(byId("signin-submit"));
    expect((await screen.findByTestId("form-error")).textContent).toContain("differ");
    fireEvent.change(byId("signin-new-password-again"), { target: { value: "ravis-own-1" } });
    fireEvent.click(byId("signin-submit"));
    await screen.findByTestId("org-picker-button");
    await expect(fake.signIn({ username: "ravi", password: "temporary-7" })).rejects.toBeTruthy();
    await expect(fake.signIn({ username: "ravi", password: "ravis-own-1" })).resolves.toBeTruthy();

    await fake.signIn({ username: "asha", password: DEMO_PASSWORD });
    const audit = (await fake.listAudit({ deniedOnly: false, limit: 200 })).map(
      (entry) => `${entry.username} ${entry.action} ${entry.objectId} ${entry.outcome}`,
    );
    expect(audit).toEqual(expect.arrayContaining(["asha member.password_reset ravi success"]));
  });

  it("refuses to demote or remove the last owner, on the owner's row, and audits the refusal", async () => {
    const fake = startApp();
    await openMembersAs("asha");
    await screen.findByTestId("member-asha");

    fireEvent.change(byId("member-role-asha"), { target: { value: "admin" } });
    fireEvent.click(byId("member-own-role-change"));
    const error = await screen.findByTestId("member-error-asha");
    expect(error.textContent).toContain("'asha' is the last owner of PWD, so they cannot be demoted");
    await waitFor(() => expect((byId("member-role-asha") as HTMLSelectElement).value).toBe("owner"));

    fireEvent.click(byId("member-remove-asha"));
    fireEvent.click(byId("member-remove-confirm-asha"));
    expect((await screen.findByTestId("member-error-asha")).textContent).toContain("cannot leave");
    expect(screen.getByTestId("member-asha")).toBeTruthy();

    const denied = await fake.listAudit({ deniedOnly: true, limit: 100 });
    expect(denied.filter((entry) => entry.reason === "last owner").map((entry) => entry.action)).toEqual(
      expect.arrayContaining(["member.role", "member.remove"]),
    );
  });

  it("tells an admin in place that only owners grant or take away the owner role", async () => {
    startApp(demoSeed({ lastOrg: { asha: "MOH" } })); // asha is an admin of MOH, meena its owner
    await openMembersAs("asha");
    await screen.findByTestId("member-meena");

    fireEvent.change(byId("member-role-meena"), { target: { value: "member" } });
    expect((await screen.findByTestId("member-error-meena")).textContent).toContain(
      "does not allow you to grant or revoke the owner role",
    );

    fireEvent.change(byId("member-username"), { target: { value: "ravi" } });
    fireEvent.change(byId("member-new-role"), { target: { value: "owner" } });
    fireEvent.click(byId("member-add"));
    expect((await screen.findByTestId("member-add-error")).textContent).toContain("grant or revoke the owner role");
    expect(screen.queryByTestId("member-ravi")).toBeNull();

    fireEvent.change(byId("member-new-role"), { target: { value: "member" } });
    fireEvent.click(byId("member-add"));
    await screen.findByTestId("member-ravi");
  });

  it("asks before an admin changes their own role, and the window then acts with the new one", async () => {
    startApp(demoSeed({ lastOrg: { asha: "MOH" } })); // asha is an admin of MOH, meena its owner
    await openMembersAs("asha");
    await screen.findByTestId("member-asha");
    expect(byId("active-role-badge").dataset.role).toBe("admin");

    // Picking a role for oneself asks first, and Keep leaves it as it was.
    fireEvent.change(byId("member-role-asha"), { target: { value: "viewer" } });
    expect(byId("member-own-role-confirm").textContent).toContain("Make yourself a viewer of MOH?");
    fireEvent.click(within(byId("member-asha")).getByText("Keep admin"));
    expect(screen.queryByTestId("member-own-role-confirm")).toBeNull();
    expect((byId("member-role-asha") as HTMLSelectElement).value).toBe("admin");

    // Confirmed, the top bar says viewer, and Members, which a viewer may not see, goes away.
    fireEvent.change(byId("member-role-asha"), { target: { value: "viewer" } });
    fireEvent.click(byId("member-own-role-change"));
    await waitFor(() => expect(byId("active-role-badge").dataset.role).toBe("viewer"));
    await waitFor(() => expect(screen.queryByTestId("nav-members")).toBeNull());
    expect(screen.queryByTestId("member-add-form")).toBeNull();
  });

  it("clears what the add form said once a row is acted on", async () => {
    startApp();
    await openMembersAs("asha");
    await screen.findByTestId("member-ravi");
    fireEvent.change(byId("member-username"), { target: { value: "nobody" } });
    fireEvent.click(byId("member-add"));
    await screen.findByTestId("member-add-error");
    // The old refusal had stayed on screen through later, unrelated changes.
    fireEvent.change(byId("member-role-ravi"), { target: { value: "admin" } });
    await screen.findByTestId("member-done-ravi");
    expect(screen.queryByTestId("member-add-error")).toBeNull();
  });

  it("after removing themselves, offers the organizations that are left", async () => {
    startApp(demoSeed({ lastOrg: { asha: "MOH" } }));
    await openMembersAs("asha");
    await screen.findByTestId("member-asha");
    fireEvent.click(byId("member-remove-asha"));
    expect(within(byId("member-asha")).getByText(/Remove yourself from MOH\?/)).toBeTruthy();
    // meena owns MOH, so asha leaving leaves someone to manage it, and that is not warned of.
    expect(byId("member-asha").textContent).not.toContain("No one else manages");
    fireEvent.click(byId("member-remove-confirm-asha"));
    // The picker opens, and the window behind it no longer shows MOH as hers, where it had
    // gone on showing her as its admin with the add form.
    await screen.findByTestId("org-picker");
    await waitFor(() => expect(byId("active-org-code").textContent).toBe("—"));
    expect(screen.queryByTestId("active-role-badge")).toBeNull();
    expect(screen.queryByTestId("member-add-form")).toBeNull();
  });

  it("warns the last one who manages an org that leaving leaves it to superusers", async () => {
    startApp(demoSeed({ lastOrg: { ravi: "PWD-N" } })); // ravi is PWD-N's only admin, and it has no owner
    await openMembersAs("ravi");
    await screen.findByTestId("member-ravi");
    fireEvent.click(byId("member-remove-ravi"));
    expect(byId("member-ravi").textContent).toContain(
      "Remove yourself from PWD-N? You will no longer see its works. No one else manages PWD-N: only a superuser could then change its members.",
    );
  });

  it("shows the list read-only, without the add form, to those who cannot manage it", async () => {
    startApp(demoSeed({ lastOrg: { auditor: "MOH" } }));
    await openMembersAs("auditor");
    await screen.findByTestId("member-meena");
    expect(byId("members-pane").textContent).toContain("Oversight is read-only");
    expect(screen.queryByTestId("member-add-form")).toBeNull();
    expect(screen.queryByTestId("member-role-meena")).toBeNull();
    expect(screen.queryByTestId("member-remove-meena")).toBeNull();
  });
});

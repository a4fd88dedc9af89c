/**
 * Importing workbooks, end to end against the fake backend: a drop on the window, the upload, the
 * job's live progress, the stored estimate, and what each role is shown.
 */
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { noticeTiming } from "./components/shell/MainLayout";
import type { FakeBackend, FakeSeed } from "./fake/backend";
import { demoSeed } from "./fake/demoSeed";
import { byId, startApp, typeSignIn } from "./test/app";
import { manualTimer } from "./test/fixtures";

function renderApp(extra: Partial<FakeSeed> = {}) {
  const timer = manualTimer();
  const fake = startApp(demoSeed({ schedule: timer.schedule, ...extra }));
  current = fake;
  return { fake, timer };
}

let current: FakeBackend | null = null;

/** Signs in and waits until the window hears file drops and job events. */
async function signInAs(username: string) {
  await typeSignIn(username);
  const before = current?.calls.length ?? 0;
  fireEvent.click(byId("signin-submit"));
  await screen.findByTestId("org-picker-button");
  await waitFor(() => {
    expect(document.querySelector('.layout[data-drop-ready="true"]')).not.toBeNull();
    expect(current?.calls.slice(before)).toContain("subscribe_jobs");
  });
}

function progressOf(element: HTMLElement): string | null {
  return within(element).getByRole("progressbar").getAttribute("aria-valuenow");
}

const scrollIntoView = vi.fn();
beforeEach(() => {
  scrollIntoView.mockReset();
  Element.prototype.scrollIntoView = scrollIntoView;
});
afterEach(() => {
  delete (Element.prototype as Partial<Element>).scrollIntoView;
});

describe("dropping workbooks", () => {
  it("imports a dropped workbook: overlay, upload, live job progress, then the estimate", async () => {
    const { fake, timer } = renderApp();
    await signInAs("asha"); // owner of PWD, which has no estimates yet
    await screen.findByText("No estimates in PWD yet");

    act(() => fake.dragEnter());
    expect(byId("drop-overlay-text").textContent).toBe("Drop estimate workbooks to import into PWD");

    act(() => fake.drop(["/home/asha/ward12.xlsx"]));
    expect(screen.queryByTestId("drop-overlay")).toBeNull();
    const result = await screen.findByTestId("upload-result-0");
    expect(within(byId("notice-tray")).getByTestId("upload-results")).toBeTruthy();
    expect(result.getAttribute("data-outcome")).toBe("queued");
    expect(result.textContent).toContain("ward12.xlsx");
    expect(result.textContent).toContain("Queued as job #4");
    expect(fake.calls).toContain("upload_files");
    expect(screen.queryByTestId("jobs-indicator")).toBeNull(); // queued, not running yet

    fireEvent.click(byId("nav-jobs"));
    const row = await screen.findByTestId("job-row-4");
    expect(byId("job-status-4").textContent).toContain("Queued");

    act(() => timer.step()); // starts
    await waitFor(() => expect(byId("job-status-4").textContent).toContain("Running"));
    expect(byId("jobs-indicator").textContent).toContain("1 running");

    act(() => timer.step()); // 10 % File read
    await waitFor(() => expect(progressOf(row)).toBe("10"));
    expect(byId("job-step-4").textContent).toBe("File read");
    expect(progressOf(byId("jobs-indicator"))).toBe("10");
    act(() => timer.step()); // 30 % Sheet found
    await waitFor(() => expect(byId("job-step-4").textContent).toBe("Sheet found"));
    expect(progressOf(byId("job-row-4"))).toBe("30");
    expect(row.textContent).toContain("30 %");

    act(() => timer.runAll());
    await waitFor(() => expect(byId("job-status-4").textContent).toContain("Completed"));
    expect(progressOf(byId("job-row-4"))).toBe("100");
    expect(screen.queryByTestId("jobs-indicator")).toBeNull();
    expect(screen.queryByTestId("job-cancel-4")).toBeNull();
    expect(screen.queryByTestId("job-retry-4")).toBeNull();

    fireEvent.click(byId("nav-works"));
    const estimateRow = await screen.findByTestId("estimate-row-3");
    expect(estimateRow.textContent).toContain("ward12.xlsx");
    expect(estimateRow.textContent).toContain("5,08,305.30"); // ECV
    expect(estimateRow.textContent).toContain("6,50,000.00"); // Grand Total
    fireEvent.click(estimateRow);
    const items = await screen.findByTestId("items-table");
    const item = within(items).getByTestId("item-row-8");
    const cells = Array.from(item.querySelectorAll("td")).map((td) => td.textContent);
    expect(cells).toEqual(["8", "3", expect.stringContaining("VRCC M20"), "38.25", "Cum", "7,850.00", "3,00,262.50"]);
    expect(within(byId("footer-table")).getByText("Grand Total").closest("tr")?.textContent).toContain("6,50,000.00");
  });

  it("explains refused and duplicate files where the drop landed, and adds a second drop to the first", async () => {
    const { fake } = renderApp();
    await signInAs("asha");
    fireEvent.click(byId("nav-members"));
    await screen.findByTestId("members-pane");

    act(() => fake.drop(["/home/asha/notes.txt", "/home/asha/ward12.xlsx"]));
    const results = await screen.findByTestId("upload-results");
    // Shown over the pane the person is on, which stays open; shown once.
    expect(within(byId("notice-tray")).getByTestId("upload-results")).toBe(results);
    expect(byId("members-pane")).toBeTruthy();
    expect(screen.getAllByTestId("upload-results")).toHaveLength(1);
    expect(results.getAttribute("role")).toBe("alert");
    expect(results.textContent).toContain("2 files dropped on PWD: 1 queued, 1 not imported.");
    const refused = byId("upload-result-0");
    expect(refused.getAttribute("data-outcome")).toBe("refused");
    expect(refused.textContent).toContain("Not imported.");
    expect(refused.textContent).toContain(
      "notes.txt is not an estimate workbook. Only .xlsx, .xlsm, .xls and .ods files can be imported.",
    );
    expect(byId("upload-result-1").getAttribute("data-outcome")).toBe("queued");

    // A second drop adds to what is shown instead of replacing it.
    act(() => fake.drop(["/home/asha/ward12.xlsx"]));
    await waitFor(() => expect(byId("upload-result-2").getAttribute("data-outcome")).toBe("duplicate"), { timeout: 5000 });
    expect(byId("upload-result-0").getAttribute("data-outcome")).toBe("refused");
    expect(byId("upload-result-2").textContent).toContain(
      "A file with the same content was already uploaded to PWD, so it is not stored twice.",
    );
    expect(byId("upload-results").textContent).toContain("3 files dropped on PWD");

    fireEvent.click(screen.getByRole("button", { name: "Dismiss import results" }));
    expect(screen.queryByTestId("upload-results")).toBeNull();
  });

  it("lists every file of a large drop that needs a look, and counts the rest", async () => {
    const { fake } = renderApp();
    await signInAs("asha");
    const paths = Array.from({ length: 12 }, (_, n) => `/home/asha/ward${n + 1}.xlsx`);
    paths.splice(7, 0, "/home/asha/notes.txt");
    act(() => fake.drop(paths));
    const results = await screen.findByTestId("upload-results");
    expect(results.textContent).toContain("13 files dropped on PWD: 12 queued, 1 not imported.");
    // The refusal is listed although it comes after five queued files; the other seven
    // queued files are counted, not listed.
    expect(byId("upload-result-7").getAttribute("data-outcome")).toBe("refused");
    expect(within(results).getAllByRole("listitem")).toHaveLength(6);
    expect(byId("upload-result-4").textContent).toContain("ward5.xlsx");
    expect(screen.queryByTestId("upload-result-5")).toBeNull();
    const more = byId("upload-results-more");
    expect(more.textContent).toBe("Show the other 7 files");

    fireEvent.click(more);
    expect(within(byId("upload-results")).getAllByRole("listitem")).toHaveLength(13);
    expect(byId("upload-result-12").textContent).toContain("ward12.xlsx");
    expect(screen.queryByTestId("upload-results-more")).toBeNull();
  });

  it("lets results that need nothing fade, and keeps refusals until dismissed", async () => {
    const usual = noticeTiming.fadeMs;
    noticeTiming.fadeMs = 200;
    try {
      const { fake } = renderApp();
      await signInAs("asha");
      act(() => fake.drop(["/home/asha/ward12.xlsx"]));
      await screen.findByTestId("upload-results");
      await waitFor(() => expect(screen.queryByTestId("upload-results")).toBeNull(), { timeout: 5000 });

      act(() => fake.drop(["/home/asha/notes.txt"]));
      await screen.findByTestId("upload-results");
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(screen.getByTestId("upload-results")).toBeTruthy();
    } finally {
      noticeTiming.fadeMs = usual;
    }
  });

  it("follows each queued file to its end in the tray: a file that cannot be read says why and stays", async () => {
    const usual = noticeTiming.fadeMs;
    noticeTiming.fadeMs = 200;
    try {
      const { fake, timer } = renderApp();
      await signInAs("asha");
      act(() => fake.drop(["/home/asha/ward12.xlsx", "/home/asha/broken.xlsx"]));
      const good = await screen.findByTestId("upload-result-0");
      const bad = byId("upload-result-1");
      expect(bad.getAttribute("data-outcome")).toBe("queued");

      act(() => timer.runAll());
      await waitFor(() => expect(bad.getAttribute("data-outcome")).toBe("refused"));
      expect(bad.textContent).toMatch(/Job #\d+ failed\./);
      // The event that says the job failed comes before the reload that brings its error, so
      // the line first says where to look and then, once the list is back, why.
      await waitFor(() => expect(bad.textContent).toContain("not a workbook"));
      expect(good.textContent).toMatch(/Read \(job #\d+\)\./);
      expect(byId("upload-results").getAttribute("role")).toBe("alert");
      // A failure needs a look: it does not fade like results that need nothing.
      await new Promise((resolve) => setTimeout(resolve, 600));
      expect(screen.getByTestId("upload-results")).toBeTruthy();
    } finally {
      noticeTiming.fadeMs = usual;
    }
  });

  it("puts the tray away on Escape, unless the picker open above it takes the key", async () => {
    const { fake } = renderApp();
    await signInAs("asha");
    act(() => fake.drop(["/home/asha/notes.txt"])); // refused: it stays until dismissed
    await screen.findByTestId("upload-results");

    fireEvent.click(byId("org-picker-button"));
    await screen.findByTestId("org-picker");
    fireEvent.keyDown(byId("org-picker-search"), { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("org-picker")).toBeNull());
    expect(screen.getByTestId("upload-results")).toBeTruthy();

    fireEvent.keyDown(document.body, { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("upload-results")).toBeNull());
  });

  it("imports workbooks chosen in the open dialog, as a drop would, for someone who cannot drag", async () => {
    const { fake } = renderApp({ chosenWorkbooks: ["/home/asha/ward12.xlsx", "/home/asha/notes.txt"] });
    await signInAs("asha");
    fireEvent.click(await screen.findByTestId("choose-workbooks"));
    const first = await screen.findByTestId("upload-result-0");
    expect(first.getAttribute("data-outcome")).toBe("queued");
    expect(first.textContent).toContain("ward12.xlsx");
    const second = byId("upload-result-1");
    expect(second.getAttribute("data-outcome")).toBe("refused");
    expect(second.textContent).toContain("notes.txt is not an estimate workbook");
    expect(fake.calls.filter((call) => call === "upload_files")).toHaveLength(1);
  });

  it("sends nothing when the open dialog is cancelled", async () => {
    const { fake } = renderApp({ chosenWorkbooks: [] });
    await signInAs("asha");
    fireEvent.click(await screen.findByTestId("choose-workbooks"));
    await waitFor(() => expect(fake.calls).toContain("choose_workbooks"));
    expect(fake.calls).not.toContain("upload_files");
    expect(screen.queryByTestId("upload-results")).toBeNull();
  });

  it("shows a failed upload call where the drop landed", async () => {
    const { fake } = renderApp();
    await signInAs("asha");
    fake.failNext("upload_files", { code: "internal", message: "The uploads folder is full." });
    act(() => fake.drop(["/home/asha/ward12.xlsx"]));
    const error = await screen.findByTestId("import-error");
    expect(error.textContent).toContain("Nothing was imported: The uploads folder is full.");
  });

  it("tells a viewer the org is read-only instead of inviting a drop, and sends nothing", async () => {
    const { fake } = renderApp({ lastOrg: { meena: "PWD" } });
    await signInAs("meena"); // viewer in PWD
    expect(byId("active-role-badge").textContent).toBe("Viewer");
    const hint = await screen.findByTestId("drop-hint");
    expect(hint.textContent).toContain("Your role in PWD is Viewer, which is read-only");
    expect(within(hint).queryByTestId("choose-workbooks")).toBeNull();

    act(() => fake.dragEnter());
    const overlay = byId("drop-overlay");
    expect(byId("drop-overlay-text").textContent).toBe("PWD is read-only for your role");
    expect(overlay.textContent).toContain("workbooks cannot be imported");
    expect(overlay.textContent).not.toContain("Drop estimate workbooks");
    act(() => fake.dragLeave());
    expect(screen.queryByTestId("drop-overlay")).toBeNull();

    act(() => fake.drop(["/home/meena/ward12.xlsx"]));
    expect((await screen.findByTestId("import-refused")).textContent).toContain("Nothing was imported.");
    // Said once: the pane's own hint steps aside while the tray says it.
    expect(screen.getAllByText(/Your role in PWD is Viewer, which is read-only/)).toHaveLength(1);
    expect(within(byId("notice-tray")).getByTestId("import-refused")).toBeTruthy();
    expect(fake.calls).not.toContain("upload_files");
  });

  it("says oversight is read-only too", async () => {
    const { fake } = renderApp({ lastOrg: { auditor: "MOH" } });
    await signInAs("auditor");
    act(() => fake.dragEnter());
    expect(byId("drop-overlay-text").textContent).toBe("MOH is read-only for your role");
    expect(byId("drop-overlay").textContent).toContain("Oversight is read-only: workbooks cannot be imported into MOH.");
  });
});

describe("jobs pane", () => {
  it("shows a failed job's error and log without a Retry that would fail the same way; Cancel and Retry for others", async () => {
    const { fake, timer } = renderApp();
    await signInAs("asha");
    act(() => fake.drop(["/tmp/broken.xlsx"]));
    await screen.findByTestId("upload-results");
    act(() => timer.runAll());
    fireEvent.click(byId("nav-jobs"));

    await waitFor(() => expect(byId("job-status-4").textContent).toContain("Failed"));
    // The status comes with the job's event; its message with the list reloaded after it.
    await waitFor(() => expect(byId("job-error-4").textContent).toContain("This file is not a workbook"));
    const log = byId("job-log-4");
    expect(log.tagName).toBe("DETAILS");
    expect(log.hasAttribute("open")).toBe(false);
    expect(within(log).getByText(/Error log \(1 entry\)/)).toBeTruthy();
    expect(within(log).getByText("File read")).toBeTruthy();
    expect(screen.queryByTestId("job-cancel-4")).toBeNull();
    expect(screen.queryByTestId("job-retry-4")).toBeNull();

    // A sound file, cancelled while queued, can be retried and cancelled again.
    act(() => fake.drop(["/tmp/road.xlsx"]));
    const cancel = await screen.findByTestId("job-cancel-5");
    expect(cancel.getAttribute("aria-label")).toBe("Cancel job 5 (road.xlsx)");
    fireEvent.click(cancel);
    await waitFor(() => expect(byId("job-status-5").textContent).toContain("Cancelled"));
    expect(screen.queryByTestId("job-cancel-5")).toBeNull();
    // Retry is offered with the list reloaded after the event, like the error above.
    fireEvent.click(await screen.findByTestId("job-retry-5"));
    await waitFor(() => expect(byId("job-status-5").textContent).toContain("Queued"));
    expect(screen.queryByTestId("job-retry-5")).toBeNull();
    expect(byId("job-cancel-5")).toBeTruthy();
  });

  it("shows an action the core refused under the job", async () => {
    const { fake } = renderApp();
    await signInAs("asha");
    act(() => fake.drop(["/tmp/ward12.xlsx"]));
    await screen.findByTestId("upload-results");
    fireEvent.click(byId("nav-jobs"));
    await screen.findByTestId("job-cancel-4");
    fake.failNext("cancel_job", { code: "validation", message: "Job #4 has already completed; there is nothing to cancel." });
    fireEvent.click(byId("job-cancel-4"));
    const error = await screen.findByTestId("job-action-error-4");
    expect(error.textContent).toContain("Could not cancel job 4 (ward12.xlsx): Job #4 has already completed");
  });

  it("gives read-only roles the list without actions, and owners their actions", async () => {
    renderApp({ lastOrg: { auditor: "MOH" } });
    await signInAs("auditor");
    fireEvent.click(byId("nav-jobs"));
    await waitFor(() => expect(byId("job-status-3").textContent).toContain("Failed"));
    expect(byId("jobs-pane").textContent).toContain("read-only: you can follow jobs here but not cancel or retry them");
    expect(screen.queryByTestId("job-retry-3")).toBeNull();
    expect(byId("job-error-3").textContent).toContain("password-protected");
    fireEvent.click(byId("sign-out"));

    await signInAs("meena"); // owner of MOH
    fireEvent.click(byId("nav-jobs"));
    expect(await screen.findByTestId("job-retry-3")).toBeTruthy();
    expect(screen.queryByTestId("job-retry-1")).toBeNull(); // completed: nothing to do
  });

  it("shows a finished work slip's revised-sanction warning on its job, not as a failure", async () => {
    const notice =
      "Working estimate 2 exceeds the sanctioned Grand Total of Rs. 3,80,000.00 by Rs. 5,373.81 " +
      "(its L.S. provision is -5,373.81): a revised administrative sanction is needed.";
    renderApp({
      lastOrg: { meena: "MOH" },
      jobs: [
        {
          id: 9,
          orgCode: "MOH",
          kind: "generate_workslip",
          status: "completed",
          progress: 100,
          currentStep: "Completed",
          fileName: null,
          errorMessage: null,
          errorLog: [{ at: "2025-03-05T10:00:01Z", attempt: 1, step: "deviation", error: notice }],
          attempts: 1,
          createdAt: "2025-03-05T10:00:00Z",
          startedAt: "2025-03-05T10:00:00Z",
          completedAt: "2025-03-05T10:00:02Z",
          username: "meena",
          source: "desktop",
          estimateId: 2,
        },
      ],
    });
    await signInAs("meena");
    fireEvent.click(byId("nav-jobs"));
    const warning = await screen.findByTestId("job-warning-9");
    expect(warning.textContent).toContain("a revised administrative sanction is needed");
    expect(screen.queryByTestId("job-error-9")).toBeNull();
    expect(within(byId("job-log-9")).getByText(/^Log \(1 entry\)/)).toBeTruthy();
  });

  it("says a job shown as running whose worker stopped is interrupted, and does not count it as running", async () => {
    renderApp({
      lastOrg: { meena: "MOH" },
      jobs: [
        {
          id: 9,
          orgCode: "MOH",
          kind: "parse_estimate",
          status: "running",
          progress: 30,
          currentStep: "Sheet found",
          fileName: "ward9.xlsx",
          errorMessage: null,
          errorLog: [],
          attempts: 1,
          createdAt: "2025-03-05T10:00:00Z",
          startedAt: "2025-03-05T10:00:00Z",
          completedAt: null,
          username: "meena",
          source: "upload",
          estimateId: null,
          interrupted: true,
        },
      ],
    });
    await signInAs("meena");
    fireEvent.click(byId("nav-jobs"));
    await screen.findByTestId("job-row-9");
    expect(byId("job-step-9").textContent).toBe("Interrupted: its worker stopped. It is queued again shortly.");
    expect(screen.queryByTestId("jobs-indicator")).toBeNull();
  });

  it("shows the number running and their average progress in the top bar", async () => {
    const { fake, timer } = renderApp();
    await signInAs("asha");
    act(() => fake.drop(["/tmp/a.xlsx"]));
    await screen.findByTestId("upload-results");
    act(() => timer.step()); // a: running 0
    act(() => timer.step()); // a: 10
    act(() => fake.drop(["/tmp/b.xlsx"]));
    await waitFor(() => expect(fake.calls.filter((c) => c === "upload_files")).toHaveLength(2));
    act(() => timer.step()); // a: 30, b: running 0
    await waitFor(() => expect(byId("jobs-indicator").textContent).toContain("2 running"));
    expect(progressOf(byId("jobs-indicator"))).toBe("15");
    fireEvent.click(within(byId("jobs-indicator")).getByRole("button"));
    expect(byId("nav-jobs").getAttribute("aria-current")).toBe("page");
  });
});

describe("estimate detail", () => {
  it("lists estimates with Indian grouping, and shows items, headings, flags, footer and warnings", async () => {
    renderApp();
    await signInAs("meena"); // owner of MOH, which has two estimates
    const bridge = await screen.findByTestId("estimate-row-1");
    expect(bridge.textContent).toContain("12,90,00,000.00");
    expect(bridge.textContent).toContain("10,14,94,387.50");
    expect(byId("estimate-row-2").textContent).toContain("3"); // warnings

    fireEvent.click(within(byId("estimate-row-2")).getByRole("button"));
    await screen.findByTestId("items-table");
    const detail = byId("estimate-detail");
    expect(within(detail).getByRole("heading", { level: 2 }).textContent).toBe(
      "Providing CC road and side drains at Ward 12, Nellore",
    );
    expect(detail.textContent).toContain("Ref. to Administrative sanction");
    const heading = byId("item-row-4");
    expect(heading.getAttribute("data-heading")).toBe("true");
    expect(heading.className).toContain("row-heading");
    expect(heading.textContent).toContain("PART A — EARTH WORK");
    const flagged = byId("item-row-11");
    expect(flagged.getAttribute("data-flagged")).toBe("true");
    expect(flagged.textContent).toContain("Flagged");
    expect(within(flagged).getByText("45.6")).toBeTruthy();
    const footer = byId("footer-table");
    expect(within(footer).getAllByRole("row").map((r) => r.textContent)).toContain("ECV5,08,305.30");
    const warnings = byId("warnings-list");
    expect(within(warnings).getAllByRole("button")).toHaveLength(3);
    expect(byId("warning-1").textContent).toContain("Estimate!H12");
  });

  it("scrolls to and highlights a warning's row when the warning is clicked", async () => {
    renderApp();
    await signInAs("meena");
    fireEvent.click(await screen.findByTestId("estimate-row-2"));
    await screen.findByTestId("warnings-list");
    expect(screen.queryAllByTestId(/^item-row-/).filter((r) => r.getAttribute("data-highlighted"))).toEqual([]);

    fireEvent.click(byId("warning-1")); // Estimate!H12
    const row = byId("item-row-12");
    expect(row.getAttribute("data-highlighted")).toBe("true");
    expect(row.className).toContain("row-highlight");
    expect(scrollIntoView).toHaveBeenCalledTimes(1);
    expect(scrollIntoView.mock.contexts[0]).toBe(row);
    expect(document.activeElement).toBe(row);
    expect(byId("warning-1").getAttribute("aria-pressed")).toBe("true");

    fireEvent.click(byId("warning-0")); // Estimate!E11
    expect(byId("item-row-11").getAttribute("data-highlighted")).toBe("true");
    expect(byId("item-row-12").getAttribute("data-highlighted")).toBeNull();
  });

  it("keeps the empty state and the drop hint when an org has no estimates", async () => {
    renderApp();
    await signInAs("ravi"); // member of PWD
    const empty = await screen.findByTestId("works-empty");
    expect(empty.textContent).toContain("No estimates in PWD yet");
    expect(empty.textContent).toContain("Drop .xlsx, .xlsm, .xls or .ods files anywhere in this window");
  });
});

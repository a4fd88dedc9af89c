/**
 * Documents from the desktop, against the fake backend: the work-data form, the bill and
 * work-slip editors with live totals and AE rows, problems naming their item, saving opening
 * the result in Outputs, Save as counting a download, and read-only roles seeing why they cannot.
 *
 * The figures the editors show are the core's own: the fake answers drafts, previews and
 * creation with the real core's recorded answers (`fake/recorded/`). A test that types
 * something new needs its requests added to `fake/recorded/scenarios.json` and recorded with
 * `SITEBOOK_RECORD_UI=1 cargo test -p sitebook-core --test ui_recordings`; until then the fake
 * refuses it, and the check after each test fails.
 */
import { act, fireEvent, screen, waitFor, within } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFakeBackend, type FakeBackend, type FakeSeed } from "./fake/backend";
import { demoSeed, firstRunSeed } from "./fake/demoSeed";
import { byId, signIn, startApp, submitFirstAccount } from "./test/app";
import { manualTimer } from "./test/fixtures";
import { clearUnrecorded, unrecordedRequests } from "./fake/recorded";

// These walk whole flows through the app, with real pauses for the live preview.
vi.setConfig({ testTimeout: 20_000 });

// pdf.js draws on a real canvas, which jsdom lacks; the end-to-end test covers the drawing.
vi.mock("./components/outputs/PdfPreview", () => ({
  PdfPreview: ({ name, bytes }: { name: string; bytes: ArrayBuffer }) => (
    <div data-testid="pdf-preview" data-name={name} data-size={bytes.byteLength} />
  ),
}));

let fake: FakeBackend;

async function openEstimate(username: string, estimateId: number, extra: Partial<FakeSeed> = {}) {
  fake = startApp(demoSeed({ schedule: manualTimer().schedule, ...extra }));
  await signIn(username);
  fireEvent.click(await screen.findByTestId(`estimate-row-${estimateId}`));
  await screen.findByTestId("work-name");
}

/** The editor's preview runs after a short pause in typing. */
async function previewSettles() {
  await act(async () => {
    await new Promise((resolve) => setTimeout(resolve, 250));
  });
}

beforeEach(() => {
  Element.prototype.scrollIntoView = vi.fn();
  clearUnrecorded();
});
afterEach(() => {
  delete (Element.prototype as Partial<Element>).scrollIntoView;
  // Every figure shown came from the core: no request went without a recorded answer.
  expect(unrecordedRequests()).toEqual([]);
});

describe("work data", () => {
  it("starts from the workbook, saves edits, and names a bad field where the person typed", async () => {
    await openEstimate("meena", 1); // owner of MOH
    const name = byId("work-name") as HTMLInputElement;
    expect(name.value).toBe("Construction of high level bridge across Penna river near Sangam");
    expect((byId("work-save") as HTMLButtonElement).disabled).toBe(true); // nothing changed yet

    fireEvent.change(byId("work-agreement"), { target: { value: "Agt 7/2025" } });
    fireEvent.change(byId("work-doi"), { target: { value: "31-04-2025" } });
    fireEvent.change(byId("work-doi"), { target: { value: "2025/04/30" } });
    fireEvent.click(byId("work-save"));
    const error = await screen.findByTestId("work-error");
    expect(error.textContent).toContain("Date of intimation (DOI)");
    expect(fake.calls).toContain("save_work_form");

    fireEvent.change(byId("work-doi"), { target: { value: "30-04-2025" } });
    expect(screen.queryByTestId("work-error")).toBeNull(); // typing clears the old error
    fireEvent.click(byId("work-save"));
    await screen.findByTestId("work-saved");
    expect((await fake.getWorkForm(1)).agreementRef).toBe("Agt 7/2025");
  });

  it("refuses a tender premium as a percentage, as it is typed", async () => {
    await openEstimate("meena", 1);
    // It had asked for "a quantity such as 12.5", and let -5 through until Save.
    fireEvent.change(byId("work-tp"), { target: { value: "abc" } });
    expect(byId("work-tp-problem").textContent).toBe("'abc' is not a number; type a percentage such as 4.5");
    fireEvent.change(byId("work-tp"), { target: { value: "-5" } });
    expect(byId("work-tp-problem").textContent).toBe("A tender premium is a percentage from 0 to 100; -5 is not.");
    // Refused beside the field, it is not sent: Save waits.
    expect((byId("work-save") as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(byId("work-tp"), { target: { value: "4.5" } });
    expect(screen.queryByTestId("work-tp-problem")).toBeNull();
    // With its sign, as it is written on paper.
    fireEvent.change(byId("work-tp"), { target: { value: "4.5 %" } });
    expect(screen.queryByTestId("work-tp-problem")).toBeNull();
    fireEvent.change(byId("work-grand-total"), { target: { value: "lakh" } });
    expect(byId("work-grand-total-problem").textContent).toBe(
      "'lakh' is not a number; type an amount in rupees such as 1,25,000.50",
    );
    fireEvent.change(byId("work-estimate-amount"), { target: { value: "-100" } });
    expect(byId("work-estimate-amount-problem").textContent).toBe("An amount cannot be below 0; -100 is.");
  });

  it("records that the agency is an individual or HUF, which sets its income-tax TDS rate", async () => {
    await openEstimate("meena", 1);
    const individual = byId("work-agency-individual") as HTMLInputElement;
    expect(individual.checked).toBe(false);
    fireEvent.click(individual);
    fireEvent.click(byId("work-save"));
    await screen.findByTestId("work-saved");
    expect((await fake.getWorkForm(1)).agencyIsIndividual).toBe(true);
  });

  it("shows money in Indian grouping when the field is left, and refuses an ambiguous comma there", async () => {
    await openEstimate("meena", 1);
    const amount = byId("work-estimate-amount") as HTMLInputElement;
    fireEvent.focus(amount);
    fireEvent.change(amount, { target: { value: "24530026" } });
    fireEvent.blur(amount);
    expect(amount.value).toBe("2,45,30,026.00");
    fireEvent.focus(amount);
    fireEvent.change(amount, { target: { value: "245,30" } });
    fireEvent.blur(amount);
    expect(byId("work-estimate-amount-problem").textContent).toContain("could mean 245.30 or 24530");
    expect(amount.getAttribute("aria-invalid")).toBe("true");
  });

  it("shows oversight the work data read-only, with why, and no way to create documents", async () => {
    await openEstimate("auditor", 1, { lastOrg: { auditor: "MOH" } });
    expect(byId("work-data-readonly").textContent).toContain("Oversight is read-only");
    expect(byId("work-name").matches(":disabled")).toBe(true);
    for (const action of ["new-bill", "new-workslip", "make-abstract"]) {
      const button = byId(action) as HTMLButtonElement;
      expect(button.disabled).toBe(true);
      expect(button.title).toContain("read-only");
    }
  });
});

describe("the bill editor", () => {
  it("previews live totals and AE rows, refuses a typo by item, and opens the saved bill in Outputs", async () => {
    await openEstimate("meena", 1);
    const bills = byId("bills");
    expect(within(bills).getByText("No bills yet.")).toBeTruthy();
    fireEvent.click(byId("new-bill"));
    const editor = await screen.findByTestId("bill-editor");
    await within(editor).findByTestId("qty-4");
    // A first bill starts at the estimate quantities.
    expect((byId("qty-4") as HTMLInputElement).value).toBe("16");
    await previewSettles();
    const subTotal = () => within(editor).getAllByTestId("preview-total")[0]!.textContent ?? "";
    expect(subTotal()).toContain("Sub Total Amount");
    expect(subTotal()).toContain("10,17,39,387.50"); // the item amounts at the estimate quantities
    expect(within(editor).queryByTestId("ae-row")).toBeNull();

    // 18 girders against an estimate of 16: an AE row carries the 2 above the estimate.
    fireEvent.change(byId("qty-4"), { target: { value: "18" } });
    await previewSettles();
    const ae = within(editor).getByTestId("ae-row");
    expect(ae.textContent).toContain("AE1");
    expect(ae.textContent).toContain("49,90,000.00");
    expect(subTotal()).toContain("10,67,29,387.50");

    fireEvent.change(byId("qty-2"), { target: { value: "26x0" } });
    await previewSettles();
    expect(byId("editor-problems").textContent).toContain("item 2");
    expect(byId("qty-2").getAttribute("aria-invalid")).toBe("true");
    // The other rows keep their figures, and the totals stay on screen.
    expect(within(editor).getByTestId("ae-row").textContent).toContain("49,90,000.00");
    expect(within(editor).getAllByTestId("preview-total").length).toBeGreaterThan(0);
    expect((byId("editor-save") as HTMLButtonElement).disabled).toBe(true);
    expect(fake.calls).not.toContain("create_bill"); // previews save nothing

    // A decimal comma is never read as grouping: 12,5 is not 125 on a bill.
    fireEvent.change(byId("qty-2"), { target: { value: "12,5" } });
    await previewSettles();
    expect(byId("qty-problem-2").textContent).toContain("could mean 12.5 or 125");
    expect(byId("qty-problem-2").textContent).toContain("Type 12.5 or 125");
    expect(byId("qty-2").getAttribute("aria-invalid")).toBe("true");
    expect((byId("editor-save") as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(byId("qty-2"), { target: { value: "2,640.5" } });
    await previewSettles();
    expect(screen.queryByTestId("editor-problems")).toBeNull();
    fireEvent.click(byId("editor-save"));
    // The fake's render job completes at once; its PDF opens in Outputs.
    const outputs = await screen.findByTestId("outputs-pane");
    const preview = await within(outputs).findByTestId("pdf-preview");
    expect(preview.getAttribute("data-name")).toMatch(/^bill-1-job-\d+\.pdf$/);
    expect(byId("nav-outputs").getAttribute("aria-current")).toBe("page");
    expect((byId("outputs-job") as HTMLSelectElement).value).not.toBe("");

    // Save as counts a download.
    // Beside the preview the list is short; the file's facts are told above the preview.
    expect(within(byId("outputs-table")).queryByText("Saved copies")).toBeNull();
    expect(byId("output-facts").textContent).toMatch(/^Job #\d+ · made .+ · saved 0 times · /);
    fireEvent.click(byId("output-save-as"));
    expect((await screen.findByTestId("output-saved")).textContent).toContain("/home/user/Downloads/bill-1-job-");
    await waitFor(() => expect(byId("output-facts").textContent).toContain("saved 1 time ·"));

    // Open says so when the system has no program for the file, where the button is.
    const noViewer = "No program on this computer is set to open .pdf files, so bill-1.pdf was not opened.";
    fake.failNext("open_output", { code: "open_failed", message: noViewer });
    fireEvent.click(byId("output-open"));
    expect((await screen.findByTestId("output-error")).textContent).toContain(noViewer);
    expect(screen.queryByTestId("output-opened")).toBeNull();
    fireEvent.click(byId("output-open"));
    expect((await screen.findByTestId("output-opened")).textContent).toContain("Handed to your system");
    expect(screen.queryByTestId("output-error")).toBeNull();
  });

  it("keeps the quantities typed and not saved when the editor closes or the pane changes", async () => {
    await openEstimate("meena", 1);
    fireEvent.click(byId("new-bill"));
    await within(await screen.findByTestId("bill-editor")).findByTestId("qty-4");
    expect(screen.queryByTestId("editor-restored")).toBeNull();
    fireEvent.change(byId("qty-4"), { target: { value: "18" } });
    await previewSettles();

    // Closed by mistake (Escape), and opened again: the 18 is still there, and the editor says why.
    fireEvent.keyDown(byId("qty-4"), { key: "Escape" });
    await waitFor(() => expect(screen.queryByTestId("bill-editor")).toBeNull());
    fireEvent.click(byId("new-bill"));
    await within(await screen.findByTestId("bill-editor")).findByTestId("qty-4");
    expect((byId("qty-4") as HTMLInputElement).value).toBe("18");
    expect(byId("editor-restored").textContent).toContain("What you typed here before is back");

    // A visit to another pane loses nothing either.
    fireEvent.click(byId("nav-jobs"));
    await screen.findByTestId("jobs-pane");
    fireEvent.click(byId("nav-works"));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    fireEvent.click(await screen.findByTestId("new-bill"));
    await within(await screen.findByTestId("bill-editor")).findByTestId("qty-4");
    expect((byId("qty-4") as HTMLInputElement).value).toBe("18");
    await previewSettles();

    // Start again goes back to the estimate quantities, and nothing is kept any more.
    fireEvent.click(byId("editor-start-again"));
    expect((byId("qty-4") as HTMLInputElement).value).toBe("16");
    expect(screen.queryByTestId("editor-restored")).toBeNull();
    await previewSettles();
    fireEvent.click(byId("editor-close"));
    fireEvent.click(await screen.findByTestId("new-bill"));
    await within(await screen.findByTestId("bill-editor")).findByTestId("qty-4");
    expect(screen.queryByTestId("editor-restored")).toBeNull();
    await previewSettles();
  });

  it("works the open editor's draft and preview out again when the work data is saved, keeping what was typed", async () => {
    await openEstimate("meena", 1);
    fireEvent.click(byId("new-bill"));
    await within(await screen.findByTestId("bill-editor")).findByTestId("qty-4");
    fireEvent.change(byId("qty-4"), { target: { value: "18" } });
    await previewSettles();
    const count = (command: string) => fake.calls.filter((call) => call === command).length;
    const drafts = count("bill_draft");
    const previews = count("preview_bill");

    const editor = byId("bill-editor");
    expect(editor.textContent).toContain("Tender premium: Add T.P @ 4.5 % Excess");
    const netBefore = byId("memo-net").textContent;

    // The premium goes from 4.5 % to 5 % while the editor is open.
    fireEvent.change(byId("work-tp"), { target: { value: "5" } });
    fireEvent.click(byId("work-save"));
    await screen.findByTestId("work-saved");
    await waitFor(() => expect(count("bill_draft")).toBe(drafts + 1));
    await previewSettles();
    expect(count("preview_bill")).toBeGreaterThan(previews);
    expect(editor.textContent).toContain("Tender premium: Add T.P @ 5 % Excess");
    expect((byId("qty-4") as HTMLInputElement).value).toBe("18");
    expect(byId("preview-title").textContent).not.toBe("Computing…");
    // More premium, more gross, more net.
    await waitFor(() => expect(byId("memo-net").textContent).not.toBe(netBefore));
  });

  it("shows the memorandum of payments live: a recovery comes off the net, a bad amount is named", async () => {
    await openEstimate("meena", 1);
    fireEvent.click(byId("new-bill"));
    const editor = await screen.findByTestId("bill-editor");
    await within(editor).findByTestId("qty-4");
    // The bill's Total (with the tender premium) less the organization's deductions: IT-TDS 2 %
    // and GST-TDS 2 % of 10,63,17,659.94; SD 5 % of it, but no more than its cap, 5 % of the
    // agreement's value (53,03,081.75: this repair work's ECV, net of its old material, is let
    // for less than every item at the estimate's quantities); and no labour cess, which the
    // estimate's own `Add LC` row collects.
    await waitFor(() => expect(byId("memo-net").textContent).toBe("9,67,61,871.79"));
    const memoLines = () => within(byId("memorandum")).getAllByTestId("memo-line").map((row) => row.textContent ?? "");
    expect(memoLines().some((line) => line.includes("Gross amount of this bill") && line.includes("10,63,17,659.94"))).toBe(true);
    // Which day's lines it applies, and why that day: the work data gives none of its dates.
    expect(byId("memo-in-force").textContent).toBe(
      "Deductions in force on 20-11-2026, the bill's date (today: the work data gives no DOBR, DOMR, DOC or DOI).",
    );

    fireEvent.click(byId("add-recovery"));
    fireEvent.change(byId("recovery-0-label"), { target: { value: "Mobilisation advance" } });
    fireEvent.change(byId("recovery-0-amount"), { target: { value: "25,000" } });
    await waitFor(() => expect(byId("memo-net").textContent).toBe("9,67,36,871.79"));
    expect(memoLines().some((line) => line.includes("Deduct: Mobilisation advance") && line.includes("25,000.00"))).toBe(true);

    // A bad amount is named and deducts nothing: the memorandum leaves the line out.
    fireEvent.change(byId("recovery-0-amount"), { target: { value: "25,0" } });
    await waitFor(() => expect(screen.queryByTestId("editor-problems")?.textContent ?? "").toContain("recovery 1"));
    expect(byId("editor-problems").textContent).toContain("could mean 25.0 or 250");
    // And under the line itself, its fields marked.
    await waitFor(() => expect(screen.queryByTestId("recovery-problem-0")?.textContent ?? "").toContain("could mean 25.0 or 250"));
    expect(byId("recovery-problem-0").textContent).not.toMatch(/^recovery 1/);
    expect(byId("recovery-0-amount").getAttribute("aria-invalid")).toBe("true");
    expect(byId("recovery-0-label").getAttribute("aria-invalid")).toBe("true");
    await waitFor(() => expect(byId("memo-net").textContent).toBe("9,67,61,871.79"));
    expect(memoLines().some((line) => line.includes("Mobilisation advance"))).toBe(false);
    expect((byId("editor-save") as HTMLButtonElement).disabled).toBe(true);
    // Mended, the line is plain again.
    fireEvent.change(byId("recovery-0-amount"), { target: { value: "25,000" } });
    await waitFor(() => expect(screen.queryByTestId("recovery-problem-0")).toBeNull());
    expect(byId("recovery-0-amount").getAttribute("aria-invalid")).toBeNull();

    // A recovery of more than the bill pays keeps the memorandum in view with its line, and the
    // net line marked below zero: 10,00,00,000.00 less the 9,67,61,871.79 the bill would pay.
    fireEvent.change(byId("recovery-0-amount"), { target: { value: "10,00,00,000" } });
    await waitFor(() => expect(screen.queryByTestId("memo-short")).not.toBeNull());
    expect(byId("memo-short").textContent).toContain("the deductions come to 32,38,128.21 more than this bill pays");
    expect(screen.queryByTestId("memo-net")).toBeNull();
    expect(memoLines().some((line) => line.includes("Deduct: Mobilisation advance") && line.includes("10,00,00,000.00"))).toBe(true);
    const net = within(byId("memorandum")).getAllByTestId("memo-line").at(-1)!;
    expect(net.textContent).toContain("-32,38,128.21");
    expect(net.getAttribute("aria-invalid")).toBe("true");
    expect(byId("editor-problems").textContent).toContain("reduce the one-off recoveries");
    expect((byId("editor-save") as HTMLButtonElement).disabled).toBe(true);
  });

  it("starts bill 2 from bill 1's figures, refuses going below them, and a final bill closes the chain", async () => {
    await openEstimate("meena", 1);
    await act(async () => {
      await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []);
    });
    // Reopening the estimate shows the bill made elsewhere (say, with the CLI).
    fireEvent.click(screen.getByRole("button", { name: "Close estimate" }));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    await screen.findByTestId("bills-table");
    fireEvent.click(byId("new-bill"));
    const editor = await screen.findByTestId("bill-editor");
    await within(editor).findByTestId("qty-4");
    expect(within(editor).getByText("Previous bill")).toBeTruthy();
    // What the bill prints from the work data, which bill 1 printed too.
    expect(byId("bill-work-lines").textContent).toBe("Prints from Work data: no M.B. pages; no dates");
    await previewSettles();
    const headings = within(byId("editor-table")).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headings.filter((h) => h === "Till-date qty")).toHaveLength(1);
    expect((byId("qty-4") as HTMLInputElement).value).toBe("10");

    fireEvent.change(byId("qty-4"), { target: { value: "8" } });
    await previewSettles();
    expect(byId("editor-problems").textContent).toContain("below the previous bill's 10");

    fireEvent.change(byId("qty-4"), { target: { value: "12" } });
    fireEvent.click(byId("bill-final"));
    await previewSettles();
    expect(byId("preview-title").textContent).toBe("CC Second & Final Bill");
    const row4 = byId("editor-row-4");
    expect(row4.textContent).toContain("49,90,000.00"); // 2 girders since the last bill
    fireEvent.click(byId("editor-save"));
    await screen.findByTestId("outputs-pane");

    fireEvent.click(byId("nav-works"));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    const next = await screen.findByTestId("new-bill");
    await waitFor(() => expect(next.textContent).toBe("Chain closed by the final bill"));
    expect((next as HTMLButtonElement).disabled).toBe(true);
    // No work slip follows the final bill either, and the button says so before it is clicked.
    const slip = byId("new-workslip") as HTMLButtonElement;
    expect(slip.textContent).toBe("Closed by the final bill");
    expect(slip.disabled).toBe(true);
    expect(slip.title).toBe("The final bill closed this estimate: no work slip can follow it. To change the work, withdraw the final bill first.");
  });

  it("says why a bill whose files are still being made cannot be withdrawn, before a reason is typed", async () => {
    await openEstimate("meena", 1);
    await act(async () => {
      await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []);
    });
    // The fake's jobs end at once, so the core's answer while bill 1's job runs is put in its
    // list: the window shows the core's words, whatever they are.
    const refusal = "The files of bill 1 are still being made by job 9; withdraw it once that job has ended.";
    const listBills = fake.listBills.bind(fake);
    vi.spyOn(fake, "listBills").mockImplementation(async (estimateId) =>
      (await listBills(estimateId)).map((bill) => (bill.number === 1 ? { ...bill, withdrawalRefused: refusal } : bill)),
    );
    fireEvent.click(screen.getByRole("button", { name: "Close estimate" }));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    const withdraw = (await screen.findByTestId("withdraw-bill-1")) as HTMLButtonElement;
    await waitFor(() => expect(withdraw.disabled).toBe(true));
    expect(withdraw.title).toBe(refusal);
    fireEvent.click(withdraw);
    expect(screen.queryByTestId("withdraw-reason")).toBeNull();
  });

  it("lists what each bill pays, net, with its gross on hover, as the core figured it", async () => {
    await openEstimate("meena", 1);
    await act(async () => {
      await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []);
    });
    // The core reads each bill's figures from its stored input; the window shows them grouped.
    const listBills = fake.listBills.bind(fake);
    vi.spyOn(fake, "listBills").mockImplementation(async (estimateId) =>
      (await listBills(estimateId)).map((bill) => ({ ...bill, gross: "1234567.5", netPayable: "1172839.12" })),
    );
    fireEvent.click(screen.getByRole("button", { name: "Close estimate" }));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    const net = await screen.findByTestId("bill-net-1");
    expect(net.textContent).toBe("net payable 11,72,839.12");
    expect(net.title).toBe("Gross 12,34,567.50");
  });

  it("withdraws the latest bill with a reason, marks its files, and frees its number", async () => {
    await openEstimate("meena", 1);
    await act(async () => {
      await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []);
      await fake.createBill(1, false, [{ slNo: "4", quantity: "12" }], []);
    });
    fireEvent.click(screen.getByRole("button", { name: "Close estimate" }));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    await screen.findByTestId("bills-table");
    // Only the latest bill of the chain can be withdrawn.
    expect(screen.queryByTestId("withdraw-bill-1")).toBeNull();
    // Escape cancels the form; opened again, the reason field has the focus.
    fireEvent.click(byId("withdraw-bill-2"));
    fireEvent.keyDown(byId("withdraw-reason"), { key: "Escape" });
    expect(screen.queryByTestId("withdraw-reason")).toBeNull();
    fireEvent.click(byId("withdraw-bill-2"));
    expect(document.activeElement).toBe(byId("withdraw-reason"));
    const confirm = byId("withdraw-confirm") as HTMLButtonElement;
    expect(confirm.disabled).toBe(true); // a reason first
    fireEvent.keyDown(byId("withdraw-reason"), { key: "Enter" }); // too short: nothing is sent
    expect(fake.calls).not.toContain("withdraw_document");
    fireEvent.change(byId("withdraw-reason"), { target: { value: "Girders counted twice" } });
    fireEvent.keyDown(byId("withdraw-reason"), { key: "Enter" });
    await waitFor(() => expect(byId("new-bill").textContent).toBe("Create bill 2"));
    expect(fake.calls).toContain("withdraw_document");
    // The row goes from the chain, and the pane says where its files are.
    expect(byId("withdrawn-note").textContent).toBe(
      "Bill 2 is withdrawn. Its files stay in Outputs, marked withdrawn; bill 2 can be made again.",
    );
    // Bill 2 starts again from bill 1's figures, not the withdrawn bill's.
    fireEvent.click(byId("new-bill"));
    const editor = await screen.findByTestId("bill-editor");
    expect((await within(editor).findByTestId("qty-4") as HTMLInputElement).value).toBe("10");
    await previewSettles();
    expect(byId("preview-title").textContent).toBe("CC Second & Part Bill");
    fireEvent.click(byId("editor-close"));

    fireEvent.click(byId("nav-outputs"));
    const table = await screen.findByTestId("outputs-table");
    await waitFor(() => expect(within(table).getAllByText("withdrawn").length).toBe(2));
    // Opened, a withdrawn file says it is not the document in force, and saving a copy is no
    // longer the primary action. The core marks the copies: the PDF's stamped, the workbook's behind a notice sheet.
    const withdrawnRows = within(table)
      .getAllByText("withdrawn")
      .map((tag) => tag.closest("tr")!);
    const rowOf = (extension: string) => withdrawnRows.find((row) => row.textContent!.includes(extension))!;
    fireEvent.click(within(rowOf(".pdf")).getAllByRole("button")[0]!);
    let note = await screen.findByTestId("output-withdrawn-note");
    expect(note.textContent).toContain("is not the document in force");
    expect(note.textContent).toContain("stamped WITHDRAWN on every page");
    expect(byId("output-save-as").className).not.toContain("primary");
    expect(byId("output-save-as").title).toBe("A copy stamped WITHDRAWN on every page: it is not the document in force.");
    fireEvent.click(within(rowOf(".xlsx")).getAllByRole("button")[0]!);
    await waitFor(() => expect(byId("output-withdrawn-note").textContent).toContain("opens on a sheet named WITHDRAWN"));
    note = byId("output-withdrawn-note");
    expect(note.textContent).not.toContain("stamped");
    expect(byId("output-save-as").title).toBe("A copy opening on a sheet named WITHDRAWN, its pages headed WITHDRAWN: it is not the document in force.");
  });

  it("offers to make a bill's file again when it was deleted from the data folder", async () => {
    await openEstimate("meena", 1);
    let jobId = 0;
    await act(async () => {
      ({ jobId } = await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []));
    });
    const outputs = await fake.listOutputs(jobId);
    const pdf = outputs.find((o) => o.kind === "pdf")!;
    fake.loseOutputFile(pdf.id);

    fireEvent.click(byId("nav-outputs"));
    fireEvent.click(await screen.findByTestId(`output-row-${pdf.id}`));
    // The preview cannot read it: the core's sentence says why, and the way back is beside Open.
    expect((await screen.findByTestId("output-error")).textContent).toContain("is missing from the data folder");
    expect(screen.queryByTestId("output-fetch-back")).toBeNull(); // this org has no bucket
    expect(byId("no-preview").textContent).toContain("could not be read"); // not "Loading…" for ever
    fireEvent.click(byId("output-make-again"));
    expect((await screen.findByTestId("output-mending")).textContent).toContain(`Job ${jobId} is making it again`);
    expect(fake.calls).toContain("retry_job");
    expect(screen.queryByTestId("output-error")).toBeNull();
    expect(screen.queryByTestId("output-make-again")).toBeNull();
    // Made again, it reads as before.
    expect((await fake.readOutput(pdf.id)).byteLength).toBeGreaterThan(0);
  });

  it("from a bill whose files a cleanup removed, says so above its outputs and makes them again", async () => {
    await openEstimate("meena", 1);
    let jobId = 0;
    await act(async () => {
      ({ jobId } = await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []));
    });
    const xlsx = (await fake.listOutputs(jobId)).find((o) => o.kind === "xlsx")!;
    fake.removeOutputByCleanup(xlsx.id);

    // From the bill's row, as a person looking for its workbook months later.
    fireEvent.click(await screen.findByRole("button", { name: `Outputs of job ${jobId}` }));
    const notice = await screen.findByTestId("outputs-removed");
    expect(notice.textContent).toContain(`1 file of job #${jobId} was removed by the cleanup of outputs never saved`);
    expect((byId("outputs-job") as HTMLSelectElement).value).toBe(String(jobId));
    expect(screen.getAllByTestId(/^output-row-/)).toHaveLength(1); // the PDF is still here
    fireEvent.click(byId("outputs-make-again"));
    await waitFor(() => expect(screen.queryByTestId("outputs-removed")).toBeNull());
    expect(fake.calls).toContain("retry_job");
    expect(screen.getAllByTestId(/^output-row-/)).toHaveLength(2);
    expect(screen.getByText(xlsx.filename)).toBeTruthy();
  });

  it("tells a read-only role which files a cleanup removed, and that others can make them again", async () => {
    await openEstimate("meena", 1, { lastOrg: { auditor: "MOH" } });
    let jobId = 0;
    await act(async () => {
      ({ jobId } = await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []));
    });
    for (const output of await fake.listOutputs(jobId)) fake.removeOutputByCleanup(output.id);
    fireEvent.click(byId("sign-out"));

    await signIn("auditor");
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    fireEvent.click(await screen.findByRole("button", { name: `Outputs of job ${jobId}` }));
    const notice = await screen.findByTestId("outputs-removed");
    expect(notice.textContent).toContain(`2 files of job #${jobId} were removed by the cleanup of outputs never saved`);
    expect(notice.textContent).toContain("Someone who may retry jobs in MOH can make them again.");
    expect(screen.queryByTestId("outputs-make-again")).toBeNull();
  });

  it("does not share a withdrawn bill's files by link, and says why on the button", async () => {
    await openEstimate("meena", 1);
    let jobId = 0;
    await act(async () => {
      ({ jobId } = await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []));
      await fake.syncConfigure(
        { endpoint: "http://127.0.0.1:9000", region: "us-east-1", bucket: "pwd-outputs", prefix: "", pathStyle: true, accessKeyId: "AKTEST" },
        "s3cr3t-value",
      );
      await fake.syncRun();
    });
    const [pdf] = (await fake.listOutputs(jobId)).filter((o) => o.kind === "pdf");
    expect(pdf!.syncState).toBe("synced");
    fireEvent.click(byId("nav-outputs"));
    fireEvent.click(await screen.findByTestId(`output-row-${pdf!.id}`));
    // In force and in the bucket, it is shared.
    await waitFor(() => expect((byId("output-share") as HTMLButtonElement).disabled).toBe(false));

    await act(async () => {
      await fake.withdrawDocument(1, "bill", 1, "wrong agency");
    });
    fireEvent.click(byId("nav-works"));
    fireEvent.click(byId("nav-outputs"));
    fireEvent.click(await screen.findByTestId(`output-row-${pdf!.id}`));
    await screen.findByTestId("output-withdrawn-note");
    const share = byId("output-share") as HTMLButtonElement;
    expect(share.disabled).toBe(true);
    expect(share.title).toBe("Its bill or work slip was withdrawn: the bucket holds this file unmarked, so it is not shared by link.");
    await expect(fake.shareOutput(pdf!.id, 7)).rejects.toMatchObject({
      code: "precondition_failed",
      message: `${pdf!.filename} belongs to a withdrawn bill or work slip, so it is not shared by link: the bucket holds it as it was made, unmarked. Save a copy with Save as… instead: the copy is marked WITHDRAWN.`,
    });
  });

  it("never offers to make again the files of a withdrawn bill that a cleanup removed", async () => {
    await openEstimate("meena", 1);
    let jobId = 0;
    await act(async () => {
      ({ jobId } = await fake.createBill(1, false, [{ slNo: "4", quantity: "10" }], []));
      await fake.withdrawDocument(1, "bill", 1, "wrong agency");
    });
    for (const output of await fake.listOutputs(jobId)) fake.removeOutputByCleanup(output.id);
    expect(await fake.jobFiles(jobId)).toEqual({ removed: 0, missing: 0, canMakeAgain: false });
    await expect(fake.retryJob(jobId)).rejects.toMatchObject({ code: "precondition_failed" });
  });

  it("says which rows stop an estimate from being billed", async () => {
    await openEstimate("meena", 2); // the ward road has a #REF! rate on row 11
    fireEvent.click(byId("new-bill"));
    expect((await screen.findByTestId("editor-error")).textContent).toContain("Estimate!E11, the rate");
  });
});

describe("the fake's figures", () => {
  it("are the core's recorded answers, and a request never recorded fails loudly saying how to record it", async () => {
    fake = createFakeBackend(demoSeed({ signedIn: "meena" }));
    const draft = await fake.billDraft(1);
    expect(draft).toMatchObject({ estimateId: 1, number: 1, isFirst: true, tenderPremium: "Add T.P @ 4.5 % Excess" });
    const entries = draft.items.map((item) => ({ slNo: item.slNo, quantity: item.suggestedQuantity }));
    const preview = await fake.previewBill(1, false, entries, []);
    // The core adds the premium the workbook's footer states to the bill's Sub Total.
    expect(preview.totals.map((line) => [line.label, line.figures[1]])).toEqual([
      ["Sub Total Amount", "101739387.50"],
      ["Add T.P @ 4.5 % Excess", "4578272.44"],
      ["Total", "106317659.94"],
    ]);
    expect(preview.memorandum?.netPayable).toBe("96761871.79");

    const unrecorded = entries.map((entry) => (entry.slNo === "4" ? { ...entry, quantity: "17" } : entry));
    const error = vi.spyOn(console, "error").mockImplementation(() => {});
    await expect(fake.previewBill(1, false, unrecorded, [])).rejects.toMatchObject({
      code: "internal",
      message: expect.stringContaining("ui/src/fake/recorded/scenarios.json"),
    });
    expect(error).toHaveBeenCalledOnce();
    const [missed] = unrecordedRequests();
    expect(missed).toContain('"quantity":"17"');
    expect(missed).toContain("SITEBOOK_RECORD_UI=1 cargo test -p sitebook-core --test ui_recordings");
    clearUnrecorded();
    expect(fake.calls).not.toContain("create_bill");
  });
});

describe("the work-slip editor", () => {
  /** Opens a first work slip of estimate 1 as meena, with item 5 executed as 0, previewed. */
  async function workslipWithItem5Deleted() {
    await openEstimate("meena", 1);
    fireEvent.click(byId("new-workslip"));
    const editor = await screen.findByTestId("workslip-editor");
    await within(editor).findByTestId("qty-5");
    fireEvent.change(byId("qty-5"), { target: { value: "0" } });
    await previewSettles();
    return editor;
  }

  it("previews the execution against the estimate, balances to the sanctioned total, and caps the bill after it", async () => {
    const editor = await workslipWithItem5Deleted();
    expect(byId("editor-row-5").textContent).toContain("Deleted");
    // One document is made at a time, and the other chain's button says why it waits.
    const bill = byId("new-bill") as HTMLButtonElement;
    expect(bill.disabled).toBe(true);
    expect(bill.title).toBe("Save or close the work slip being made first: one document is made at a time.");
    const grand = within(editor).getAllByTestId("preview-total").find((row) => row.textContent?.includes("Grand Total"))!;
    expect(grand.textContent?.match(/12,90,00,000\.00/g)).toHaveLength(2);
    fireEvent.click(byId("editor-save"));
    await screen.findByTestId("outputs-pane");
    fireEvent.click(byId("nav-works"));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    await waitFor(() => expect(byId("new-workslip").textContent).toBe("Create work slip 2"));

    // The bill after it is capped by the work slip's quantities, and its column says whose.
    fireEvent.click(byId("new-bill"));
    const billEditor = await screen.findByTestId("bill-editor");
    await within(billEditor).findByTestId("qty-4");
    const headings = within(byId("editor-table")).getAllByRole("columnheader").map((h) => h.textContent);
    expect(headings).toContain("Work slip 1 qty");
    expect(headings).not.toContain("Estimate qty");
    expect(byId("editor-row-1").textContent).toContain("4,850");

    // Once a bill follows the work slip, the slip cannot be withdrawn before it, and its
    // button says so before anyone types a reason.
    await previewSettles();
    fireEvent.click(byId("editor-save"));
    await screen.findByTestId("outputs-pane");
    fireEvent.click(byId("nav-works"));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    const withdraw = (await screen.findByTestId("withdraw-workslip-1")) as HTMLButtonElement;
    await waitFor(() => expect(withdraw.disabled).toBe(true));
    expect(withdraw.title).toBe("Bill 1 of estimate 1 was made after work slip 1 and follows its working estimate; withdraw the bills after it first.");
    expect((byId("withdraw-bill-1") as HTMLButtonElement).disabled).toBe(false);
    // With bill 1 withdrawn, nothing follows the work slip any more.
    fireEvent.click(byId("withdraw-bill-1"));
    fireEvent.change(byId("withdraw-reason"), { target: { value: "Made on the wrong slip" } });
    fireEvent.keyDown(byId("withdraw-reason"), { key: "Enter" });
    await screen.findByTestId("withdrawn-note");
    await waitFor(() => expect((byId("withdraw-workslip-1") as HTMLButtonElement).disabled).toBe(false));
    expect(byId("withdraw-workslip-1").title).toBe("");
  });

  it("boxes a table wider than the pane, and keeps the serial and description in view as the box scrolls sideways", async () => {
    // jsdom lays nothing out: the table is given as 1,400 pixels wide in an 800-pixel pane
    // (then as 700), and a ResizeObserver that says when the width changes.
    let tableWidth = 1400;
    const observed: Array<() => void> = [];
    vi.stubGlobal(
      "ResizeObserver",
      class {
        constructor(private readonly changed: () => void) {}
        observe() {
          observed.push(this.changed);
        }
        disconnect() {}
      },
    );
    vi.spyOn(HTMLElement.prototype, "offsetWidth", "get").mockImplementation(function (this: HTMLElement) {
      return this.tagName === "TABLE" ? tableWidth : 0;
    });
    vi.spyOn(Element.prototype, "clientWidth", "get").mockImplementation(function (this: Element) {
      return this.classList.contains("pane-body") ? 800 : 0;
    });
    try {
      await workslipWithItem5Deleted();
      const table = byId("editor-table");
      const box = byId("editor-box");
      const frozen = (row: HTMLElement) => Array.from(row.querySelectorAll(".frozen")).map((cell) => cell.textContent?.trim());
      expect(frozen(byId("editor-row-5"))[0]).toBe("5");
      expect(frozen(table.querySelector("thead tr") as HTMLElement)).toEqual(["Sl.", "Description"]);
      expect(box.classList.contains("table-box")).toBe(true);

      let scrollLeft = 0;
      Object.defineProperty(box, "scrollLeft", { configurable: true, get: () => scrollLeft });
      const scrollTo = (left: number) => {
        scrollLeft = left;
        fireEvent.scroll(box);
      };
      // The frozen cells are shifted back by as far as the box has scrolled.
      scrollTo(240);
      expect(table.style.getPropertyValue("--frozen-shift")).toBe("240px");
      expect(table.classList.contains("columns-shifted")).toBe(true);
      scrollTo(0);
      expect(table.style.getPropertyValue("--frozen-shift")).toBe("0px");
      expect(table.classList.contains("columns-shifted")).toBe(false);

      // Folded to fit, the table leaves its box: the pane scrolls it again, and nothing is shifted.
      scrollTo(240);
      tableWidth = 700;
      act(() => observed.forEach((changed) => changed()));
      expect(box.classList.contains("table-box")).toBe(false);
      expect(table.style.getPropertyValue("--frozen-shift")).toBe("");
      expect(table.classList.contains("columns-shifted")).toBe(false);
    } finally {
      vi.restoreAllMocks();
      vi.unstubAllGlobals();
    }
  });

  it("gives an item a rate of its own: an unreadable rate is named beside it, a read one reprices the row and is saved", async () => {
    await openEstimate("meena", 1);
    fireEvent.click(byId("new-workslip"));
    const editor = await screen.findByTestId("workslip-editor");
    const rate = (await within(editor).findByTestId("rate-2")) as HTMLInputElement;
    expect(rate.value).toBe("9,875.00");
    await previewSettles();
    expect(screen.queryByTestId("rate-note-2")).toBeNull();

    fireEvent.change(rate, { target: { value: "98,75" } });
    await previewSettles();
    expect(byId("rate-problem-2").textContent).toContain("'98,75' is not read");
    expect(byId("rate-problem-2").textContent).toContain("98.75 or 9875");
    expect(rate.getAttribute("aria-invalid")).toBe("true");
    expect(byId("qty-2").getAttribute("aria-invalid")).toBeNull();
    expect(screen.queryByTestId("qty-problem-2")).toBeNull();
    expect((byId("editor-save") as HTMLButtonElement).disabled).toBe(true);

    // 2,640.5 executed at 10,250.00 is 2,70,65,125.00; the estimate's rate shows under it.
    fireEvent.change(rate, { target: { value: "10,250" } });
    await previewSettles();
    expect(screen.queryByTestId("editor-problems")).toBeNull();
    expect(byId("rate-note-2").textContent).toBe("estimate 9,875.00");
    expect(byId("editor-row-2").textContent).toContain("2,70,65,125.00");
    fireEvent.click(byId("editor-save"));
    await screen.findByTestId("outputs-pane");
    expect(fake.calls).toContain("create_workslip");
  });

  it("adds a supplemental item: an incomplete line is named, a complete one joins the preview", async () => {
    await openEstimate("meena", 1);
    fireEvent.click(byId("new-workslip"));
    const editor = await screen.findByTestId("workslip-editor");
    await within(editor).findByTestId("qty-1");
    fireEvent.click(byId("add-supplemental"));
    // The line starts with the next serial free, the first here.
    expect((byId("supp-0-slNo") as HTMLInputElement).value).toBe("S1");
    fireEvent.change(byId("supp-0-description"), { target: { value: "Shifting of an HT pole" } });
    fireEvent.change(byId("supp-0-executed"), { target: { value: "2" } });
    await previewSettles();
    const problems = byId("editor-problems").textContent ?? "";
    expect(problems).toContain("supplemental item S1");
    expect(problems).toContain("a rate");
    // And under the line itself, its fields marked.
    expect(byId("supp-problem-0").textContent).toBe("give a rate (a number)");
    expect(byId("supp-0-rate").getAttribute("aria-invalid")).toBe("true");

    fireEvent.change(byId("supp-0-unit"), { target: { value: "Nos" } });
    fireEvent.change(byId("supp-0-rate"), { target: { value: "12,500" } });
    await previewSettles();
    expect(screen.queryByTestId("editor-problems")).toBeNull();
    expect(screen.queryByTestId("supp-problem-0")).toBeNull();
    const table = byId("editor-table");
    expect(within(table).getByText("Supplemental Items")).toBeTruthy();
    const row = within(table).getByText("Shifting of an HT pole").closest("tr")!;
    expect(row.textContent).toContain("25,000.00");
    fireEvent.click(byId("editor-save"));
    await screen.findByTestId("outputs-pane");
    expect(fake.calls).toContain("create_workslip");

    // In work slip 2, S1 is an earlier slip's item: its estimate-quantity cell stays blank, as
    // the working estimate prints it, and an estimate item's shows its quantity. The blank comes
    // from the draft itself: before the first preview arrives (seconds on a long estimate) the
    // cell read 0.
    fireEvent.click(byId("nav-works"));
    fireEvent.click(await screen.findByTestId("estimate-row-1"));
    fireEvent.click(await screen.findByTestId("new-workslip"));
    const next = await screen.findByTestId("workslip-editor");
    const estimateQuantityOf = async (slNo: string) =>
      (await within(next).findByTestId(`editor-row-${slNo}`)).querySelectorAll("td")[4]?.textContent;
    expect(screen.queryByTestId("editor-table")?.querySelector("tfoot")).toBeFalsy();
    expect(await estimateQuantityOf("S1")).toBe("");
    expect(await estimateQuantityOf("1")).toBe("4,850");
    // And once the preview has come (the core says the slip would repeat work slip 1).
    await previewSettles();
    expect(byId("editor-problems").textContent).toContain("would repeat work slip 1");
    expect(await estimateQuantityOf("S1")).toBe("");
  });
});

describe("the first minute", () => {
  it("offers the example after the first account and ends with its first bill open", async () => {
    fake = startApp(firstRunSeed({ schedule: manualTimer().schedule }));
    await screen.findByTestId("setup-username");
    submitFirstAccount({ username: "asha", fullName: "Asha Verma", password: "long-enough-pw", confirm: "long-enough-pw" });

    const empty = await screen.findByTestId("works-empty");
    expect(empty.textContent).toContain(".xlsx, .xlsm, .xls or .ods");
    fireEvent.click(within(empty).getByTestId("example-start"));

    const outputs = await screen.findByTestId("outputs-pane");
    const preview = await within(outputs).findByTestId("pdf-preview");
    expect(preview.getAttribute("data-name")).toMatch(/^bill-1-job-\d+\.pdf$/);
    expect(fake.calls).toContain("import_example");

    // Asked again (from an org that now has the example), it gives back the same bill.
    const again = await fake.importExample();
    expect(again.number).toBe(1);
    expect((await fake.listEstimates()).filter((e) => e.fileName === "cc-road-example.xlsx")).toHaveLength(1);
  });

  it("does not offer the example to a read-only role", async () => {
    fake = startApp(demoSeed({ lastOrg: { asha: "WRA" } })); // asha is a viewer of WRA
    await signIn("asha");
    const empty = await screen.findByTestId("works-empty");
    expect(empty.textContent).toContain("read-only");
    expect(screen.queryByTestId("example-offer")).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import type { JobView } from "../bindings/JobView";
import type { UploadOutcome } from "../bindings/UploadOutcome";
import { importSummary, uploadOutcomeView } from "./ingest";

const outcome = (extra: Partial<UploadOutcome>): UploadOutcome => ({
  fileName: "ward12.xlsx",
  jobId: 7,
  uploadId: 3,
  duplicate: false,
  readAgain: false,
  error: null,
  ...extra,
});

describe("uploadOutcomeView", () => {
  it("names the job a queued file became", () => {
    const view = uploadOutcomeView(outcome({}), "PWD");
    expect(view.tone).toBe("queued");
    expect(view.label).toBe("Queued as job #7");
  });

  it("says a duplicate was already uploaded to the org, with or without a new job", () => {
    const none = uploadOutcomeView(outcome({ duplicate: true, jobId: null }), "PWD");
    expect(none.tone).toBe("duplicate");
    expect(none.label).toBe("Already uploaded");
    expect(none.text).toBe(
      "A file with the same content was already uploaded to PWD, so it is not stored twice. Nothing new was imported.",
    );
    expect(uploadOutcomeView(outcome({ duplicate: true, jobId: 9 }), "MOH").text).toContain(
      "That content is job #9's; see it under Jobs.",
    );
  });

  it("says a duplicate whose earlier reading never finished is read again, by its job", () => {
    const view = uploadOutcomeView(outcome({ duplicate: true, readAgain: true, jobId: 11 }), "MOH");
    expect(view.tone).toBe("queued");
    expect(view.label).toBe("Queued again as job #11");
    expect(view.text).toBe(
      "A file with the same content was uploaded to MOH before, but job #11 had not read it, so it reads it now.",
    );
  });

  it("names the file of the same drop a duplicate shares its job with", () => {
    // It had said "being read again as job #5", job #5 being the other file's.
    const first = outcome({ fileName: "road.xls", jobId: 5 });
    const copy = outcome({ fileName: "road (copy).xlsx", jobId: 5, duplicate: true });
    const view = uploadOutcomeView(copy, "PWD", [first, copy]);
    expect(view.label).toBe("Same as another file");
    expect(view.text).toBe("It has the same content as road.xls, dropped with it, so it is stored once and read as job #5.");
    // The summary counts it as its line tells it.
    expect(importSummary([first, copy, outcome({ fileName: "old.xlsx", jobId: 2, duplicate: true })], "PWD")).toBe(
      "3 files dropped on PWD: 1 queued, 1 the same as another, 1 already uploaded.",
    );
  });

  it("gives the core's reason for a refused file, and a fallback when it sent none", () => {
    const refused = uploadOutcomeView(
      outcome({ fileName: "notes.txt", jobId: null, uploadId: null, error: { code: "validation", message: "notes.txt is not a workbook." } }),
      "PWD",
    );
    expect(refused).toEqual({ tone: "refused", label: "Not imported", text: "notes.txt is not a workbook." });
    const bare = uploadOutcomeView(outcome({ jobId: null, error: { code: "internal", message: " " } }), "PWD");
    expect(bare.text).toContain("ward12.xlsx could not be imported");
  });
});

describe("importSummary", () => {
  it("counts each kind of result", () => {
    const outcomes = [
      outcome({}),
      outcome({ duplicate: true, jobId: null }),
      outcome({ jobId: null, error: { code: "validation", message: "x" } }),
      outcome({ jobId: 8 }),
    ];
    expect(importSummary(outcomes, "PWD")).toBe("4 files dropped on PWD: 2 queued, 1 already uploaded, 1 not imported.");
    expect(importSummary([outcome({})], "PWD")).toBe("1 file dropped on PWD: 1 queued.");
  });

  it("follows the jobs, as the lines under it do", () => {
    // It had gone on saying "queued" over lines that said "Read" and "Job #8 failed".
    const outcomes = [outcome({ jobId: 7 }), outcome({ jobId: 8 }), outcome({ jobId: 9 })];
    const job = (id: number, status: JobView["status"]) => [id, { id, status } as JobView] as const;
    const jobs = new Map([job(7, "completed"), job(8, "failed"), job(9, "running")]);
    expect(importSummary(outcomes, "PWD", jobs)).toBe("3 files dropped on PWD: 1 read, 1 queued, 1 could not be read.");
  });
});

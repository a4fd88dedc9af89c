import { describe, expect, it } from "vitest";
import type { JobStatus } from "./bindings/JobStatus";
import type { JobView } from "./bindings/JobView";
import { runningSummary } from "./jobsFeed";

function job(id: number, status: JobStatus, progress: number): JobView {
  return {
    id,
    kind: "parse_estimate",
    status,
    progress,
    currentStep: "",
    fileName: `ward${id}.xlsx`,
    errorMessage: null,
    errorCode: null,
    errorLog: [],
    attempts: status === "queued" ? 0 : 1,
    createdAt: "2026-12-02T10:00:00Z",
    startedAt: null,
    completedAt: null,
    username: "asha",
    source: "upload",
    estimateId: null,
    canCancel: status === "queued" || status === "running",
    canRetry: false,
  };
}

describe("the top bar's summary of a burst", () => {
  it("counts the jobs waiting behind the running ones", () => {
    const jobs = [
      job(6, "queued", 0),
      job(5, "queued", 0),
      job(4, "queued", 0),
      job(3, "running", 30),
      job(2, "running", 90),
      job(1, "completed", 100),
    ];
    expect(runningSummary(jobs)).toEqual({ count: 2, progress: 60, waiting: 3 });
  });

  it("says nothing runs when only finished jobs are listed", () => {
    expect(runningSummary([job(1, "completed", 100), job(2, "failed", 30)])).toEqual({
      count: 0,
      progress: 0,
      waiting: 0,
    });
  });
});

import { act, renderHook } from "@testing-library/react";
import type { ReactNode } from "react";
import { describe, expect, it, vi } from "vitest";
import { AppActionsContext, type AppActions } from "./appContext";
import type { Backend } from "./backend";
import { BackendProvider } from "./backendContext";
import type { JobEvent } from "./bindings/JobEvent";
import type { JobStatus } from "./bindings/JobStatus";
import type { JobView } from "./bindings/JobView";
import { applyJobEvent, COMPLETIONS_COALESCE_MS, mergeListed, runningSummary, useJobFeed } from "./jobsFeed";

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
    interrupted: false,
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

  it("does not count a job whose worker has stopped as running, until a worker is heard on it", () => {
    const stopped = { ...job(2, "running", 40), interrupted: true };
    expect(runningSummary([job(1, "running", 80), stopped])).toEqual({ count: 1, progress: 80, waiting: 0 });
    const heard = applyJobEvent(stopped, { jobId: 2, status: "running", progress: 50, currentStep: "File read" });
    expect(heard.interrupted).toBe(false);
    expect(runningSummary([job(1, "running", 80), heard])).toEqual({ count: 2, progress: 65, waiting: 0 });
  });

  it("says nothing runs when only finished jobs are listed", () => {
    expect(runningSummary([job(1, "completed", 100), job(2, "failed", 30)])).toEqual({
      count: 0,
      progress: 0,
      waiting: 0,
    });
  });
});

describe("a job's times as its events arrive", () => {
  const at = (iso: string) => new Date(iso);

  it("starts the elapsed clock when a listed queued job is heard running", () => {
    const running = applyJobEvent(
      job(4, "queued", 0),
      { jobId: 4, status: "running", progress: 10, currentStep: "Waiting for a reader" },
      at("2026-12-02T10:00:05Z"),
    );
    expect(running.startedAt).toBe("2026-12-02T10:00:05.000Z");
    expect(running.completedAt).toBeNull();
    expect(running.currentStep).toBe("Waiting for a reader");
  });

  it("keeps the stored start, and stops the clock when the job ends", () => {
    const listed = { ...job(4, "running", 50), startedAt: "2026-12-02T10:00:01Z" };
    const done = applyJobEvent(
      listed,
      { jobId: 4, status: "completed", progress: 100, currentStep: "Done" },
      at("2026-12-02T10:00:09Z"),
    );
    expect(done.startedAt).toBe("2026-12-02T10:00:01Z");
    expect(done.completedAt).toBe("2026-12-02T10:00:09.000Z");
  });

  it("gives a job cancelled while queued no start, so its elapsed time stays a dash", () => {
    const cancelled = applyJobEvent(
      job(4, "queued", 0),
      { jobId: 4, status: "cancelled", progress: 0, currentStep: "Cancelled" },
      at("2026-12-02T10:00:05Z"),
    );
    expect(cancelled.startedAt).toBeNull();
  });

  it("clears the end again when a finished job is retried", () => {
    const failed = {
      ...job(4, "failed", 30),
      startedAt: "2026-12-02T10:00:01Z",
      completedAt: "2026-12-02T10:00:03Z",
    };
    const queued = applyJobEvent(failed, { jobId: 4, status: "queued", progress: 0, currentStep: "Queued" });
    expect(queued.completedAt).toBeNull();
  });
});

describe("a reload during a burst", () => {
  const step = (j: JobView, progress: number, currentStep: string): JobView => ({ ...j, progress, currentStep });

  it("keeps a running job's newer step and progress that the store has not caught up with", () => {
    const shown = [step(job(5, "running", 10), 10, "Waiting for a reader"), step(job(4, "running", 50), 50, "Items parsed")];
    const listed = [
      { ...step(job(5, "running", 0), 0, "Starting"), startedAt: "2026-12-02T10:00:04Z" },
      step(job(4, "running", 90), 90, "Storing results"),
    ];
    const merged = mergeListed(listed, shown);
    expect(merged[0]).toMatchObject({ progress: 10, currentStep: "Waiting for a reader", startedAt: "2026-12-02T10:00:04Z" });
    // Where the store is ahead, the list wins.
    expect(merged[1]).toMatchObject({ progress: 90, currentStep: "Storing results" });
  });

  it("takes the list as it is once the status has moved on", () => {
    const shown = [step(job(5, "running", 90), 90, "Storing results")];
    const listed = [step(job(5, "completed", 100), 100, "Done"), step(job(6, "queued", 0), 0, "Queued")];
    expect(mergeListed(listed, shown)).toEqual(listed);
    const retried = [step(job(5, "queued", 0), 0, "Queued")];
    expect(mergeListed(retried, shown)).toEqual(retried);
  });
});

describe("the jobs feed during a burst", () => {
  it("counts completions heard close together once, so the lists load again once", async () => {
    vi.useFakeTimers();
    try {
      let jobs = [1, 2, 3, 4, 5, 6].map((id) => job(id, "running", 50));
      let emit: (event: JobEvent) => void = () => {};
      // Only what the feed calls; the rest of the backend is never reached here.
      const backend = {
        listJobs: () => Promise.resolve(jobs),
        subscribeJobs: (onEvent: (event: JobEvent) => void) => {
          emit = onEvent;
          return Promise.resolve(() => {});
        },
      } as unknown as Backend;
      const actions: AppActions = {
        handleError: (e) => e as never,
        reportUnexpected: () => {},
        openPicker: () => {},
      };
      const wrapper = ({ children }: { children: ReactNode }) => (
        <AppActionsContext.Provider value={actions}>
          <BackendProvider backend={backend}>{children}</BackendProvider>
        </AppActionsContext.Provider>
      );
      const { result } = renderHook(() => useJobFeed("PWD"), { wrapper });
      await act(async () => {
        await vi.advanceTimersByTimeAsync(10);
      });
      expect(result.current.jobs).toHaveLength(6);

      // Six jobs complete, each heard in a tick of its own, 20 ms apart.
      for (const id of [1, 2, 3, 4, 5, 6]) {
        jobs = jobs.map((j) => (j.id === id ? job(id, "completed", 100) : j));
        await act(async () => {
          emit({ jobId: id, status: "completed", progress: 100, currentStep: "Done" });
          await vi.advanceTimersByTimeAsync(20);
        });
      }
      await act(async () => {
        await vi.advanceTimersByTimeAsync(COMPLETIONS_COALESCE_MS);
      });
      expect(result.current.completions).toBe(1);

      // A completion heard later counts again.
      jobs = [job(7, "completed", 100), ...jobs];
      await act(async () => {
        emit({ jobId: 7, status: "completed", progress: 100, currentStep: "Done" });
        await vi.advanceTimersByTimeAsync(COMPLETIONS_COALESCE_MS + 10);
      });
      expect(result.current.completions).toBe(2);
    } finally {
      vi.useRealTimers();
    }
  });
});

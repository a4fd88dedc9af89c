/**
 * The active org's jobs, kept live for the whole window (top bar indicator, Jobs pane, Works
 * pane). The list comes from `list_jobs`; `subscribe_jobs` events then move progress and steps
 * in place, and a change of status (a job starting, finishing, failing) reloads the list so
 * times, errors and permitted actions come from the core.
 */
import { createContext, useCallback, useContext, useEffect, useRef, useState } from "react";
import { useAppActions } from "./appContext";
import { useBackend } from "./backendContext";
import type { ApiError } from "./bindings/ApiError";
import type { JobEvent } from "./bindings/JobEvent";
import type { JobStatus } from "./bindings/JobStatus";
import type { JobView } from "./bindings/JobView";

export type JobsFeed = {
  /** Newest first, as the core sends them. Empty while no org is active. */
  jobs: JobView[];
  status: "idle" | "loading" | "ready" | "error";
  error: ApiError | null;
  /** False when live progress could not be subscribed to; the feed then polls while jobs run. */
  live: boolean;
  reload: () => void;
  /** Puts the state a cancel or retry returned in place of the old one. */
  put: (job: JobView) => void;
  /** Counts jobs seen completing, so views of their results (the estimates list) reload. */
  completions: number;
};

export const isActiveStatus = (status: JobStatus) => status === "queued" || status === "running";

/**
 * A job with an event applied: progress and step from the event, actions narrowed until the next
 * load. A job first heard running is stamped as started at `now`, and one heard ending as ended,
 * until the reload the status change starts brings the stored times: in a burst that reload can
 * take a while, and meanwhile the elapsed time ticks instead of showing a dash. A job that ends
 * without having run (cancelled while queued) gets no start, as in the store.
 */
export function applyJobEvent(job: JobView, event: JobEvent, now: Date = new Date()): JobView {
  const active = isActiveStatus(event.status);
  const stamp = now.toISOString();
  const startedAt = job.startedAt ?? (event.status === "running" ? stamp : null);
  const completedAt = active ? null : (job.completedAt ?? stamp);
  return {
    ...job,
    status: event.status,
    progress: event.progress,
    currentStep: event.currentStep,
    startedAt,
    completedAt,
    canCancel: job.canCancel && active,
    canRetry: job.canRetry && !active,
    // An event is heard from a worker running the job.
    interrupted: false,
  };
}

/**
 * The running jobs' count and average progress, and how many wait behind them, for the top
 * bar: during a large drop the waiting count is the burst's progress.
 */
export function runningSummary(jobs: readonly JobView[]): { count: number; progress: number; waiting: number } {
  // One shown as running whose worker has stopped is run by nothing.
  const running = jobs.filter((j) => j.status === "running" && !j.interrupted);
  const waiting = jobs.filter((j) => j.status === "queued").length;
  if (running.length === 0) return { count: 0, progress: 0, waiting };
  const total = running.reduce((sum, j) => sum + Math.min(100, Math.max(0, j.progress)), 0);
  return { count: running.length, progress: Math.round(total / running.length), waiting };
}

/**
 * A fresh list, keeping what events said since about a job still running and further along.
 * The core stores a running job's step at most every 250 ms, and its events say every step at
 * once, so a reload during a burst would otherwise move progress bars back and replace a step
 * such as "Waiting for a reader" with an older one.
 */
export function mergeListed(listed: readonly JobView[], shown: readonly JobView[]): JobView[] {
  const byId = new Map(shown.map((job) => [job.id, job]));
  return listed.map((job) => {
    const seen = byId.get(job.id);
    if (!seen || job.status !== "running" || seen.status !== "running" || seen.progress <= job.progress) {
      return job;
    }
    return { ...job, progress: seen.progress, currentStep: seen.currentStep };
  });
}

const POLL_MS = 2000;

/**
 * Completions heard within this long count once. Each count makes the estimates, outputs and
 * documents lists load again; a burst of 200 files completing would otherwise start 200 loads
 * of each, every one discarded by the next.
 */
export const COMPLETIONS_COALESCE_MS = 250;

export function useJobFeed(orgCode: string | null): JobsFeed {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const [jobs, setJobsState] = useState<JobView[]>([]);
  const [status, setStatus] = useState<JobsFeed["status"]>(orgCode ? "loading" : "idle");
  const [error, setError] = useState<ApiError | null>(null);
  const [live, setLive] = useState(true);
  const [completions, setCompletions] = useState(0);
  const completionTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const jobsRef = useRef<JobView[]>([]);
  const generation = useRef(0);

  const setJobs = useCallback((next: JobView[]) => {
    jobsRef.current = next;
    setJobsState(next);
  }, []);

  // During a burst every job's start and end asks for a reload. One load at a time, and at
  // most one more after it, keeps the window answering while the list stays current.
  const loading = useRef(false);
  const loadAgain = useRef(false);

  const reload = useCallback(() => {
    if (orgCode === null) {
      ++generation.current;
      setJobs([]);
      setStatus("idle");
      setError(null);
      return;
    }
    if (loading.current) {
      loadAgain.current = true;
      return;
    }
    const mine = ++generation.current;
    loading.current = true;
    setStatus((s) => (s === "ready" ? s : "loading"));
    backend
      .listJobs()
      .then(
        (list) => {
          if (generation.current !== mine) return;
          setJobs(mergeListed(list, jobsRef.current));
          setStatus("ready");
          setError(null);
        },
        (caught: unknown) => {
          const apiError = handleError(caught);
          if (generation.current !== mine) return;
          setStatus("error");
          setError(apiError);
        },
      )
      .finally(() => {
        loading.current = false;
        if (loadAgain.current) {
          loadAgain.current = false;
          reloadRef.current();
        }
      });
  }, [backend, orgCode, handleError, setJobs]);

  const reloadRef = useRef(reload);
  useEffect(() => {
    reloadRef.current = reload;
  }, [reload]);

  // A new org: drop the old org's jobs at once, then load.
  useEffect(() => {
    setJobs([]);
    setStatus(orgCode ? "loading" : "idle");
    reload();
    return () => {
      generation.current++;
    };
  }, [reload, orgCode, setJobs]);

  // One subscription per window; the core sends the events of whichever org is active.
  useEffect(() => {
    let stop: (() => void) | null = null;
    let ended = false;
    const onEvent = (event: JobEvent) => {
      const known = jobsRef.current.find((j) => j.id === event.jobId);
      if (known) setJobs(jobsRef.current.map((j) => (j.id === event.jobId ? applyJobEvent(j, event) : j)));
      if (!known || known.status !== event.status) reloadRef.current();
      if (event.status === "completed" && known?.status !== "completed" && completionTimer.current === null) {
        completionTimer.current = setTimeout(() => {
          completionTimer.current = null;
          setCompletions((n) => n + 1);
        }, COMPLETIONS_COALESCE_MS);
      }
    };
    backend.subscribeJobs(onEvent).then(
      (unsubscribe) => {
        if (ended) unsubscribe();
        else {
          stop = unsubscribe;
          setLive(true);
        }
      },
      (caught: unknown) => {
        handleError(caught);
        if (!ended) setLive(false);
      },
    );
    return () => {
      ended = true;
      stop?.();
      if (completionTimer.current !== null) {
        clearTimeout(completionTimer.current);
        completionTimer.current = null;
      }
    };
  }, [backend, handleError, setJobs]);

  // Without live events, poll while something is queued or running.
  const anyActive = jobs.some((j) => isActiveStatus(j.status));
  useEffect(() => {
    if (live || !anyActive) return;
    const timer = setInterval(() => reloadRef.current(), POLL_MS);
    return () => clearInterval(timer);
  }, [live, anyActive]);

  // Polled lists also have to tell the estimates list when a job completed.
  const completedIds = useRef(new Set<number>());
  useEffect(() => {
    let fresh = 0;
    for (const job of jobs) {
      if (job.status === "completed" && !completedIds.current.has(job.id)) {
        completedIds.current.add(job.id);
        fresh++;
      }
    }
    if (fresh > 0 && !live) setCompletions((n) => n + 1);
  }, [jobs, live]);

  const put = useCallback(
    (job: JobView) => setJobs(jobsRef.current.map((j) => (j.id === job.id ? job : j))),
    [setJobs],
  );

  return { jobs, status, error, live, reload, put, completions };
}

export const JobsFeedContext = createContext<JobsFeed | null>(null);

export function useJobsFeed(): JobsFeed {
  const feed = useContext(JobsFeedContext);
  if (!feed) throw new Error("useJobsFeed() needs the main layout's provider above it.");
  return feed;
}

/**
 * The core's own answers to the bill and work-slip editors, for the fake backend.
 *
 * `documents.json` is written by the Rust test `crates/sitebook-core/tests/ui_recordings.rs`:
 * it replays the scenarios of `scenarios.json` (a workbook and the requests the UI makes, in
 * order) against the real core and records each answer with its request. The fake looks the
 * UI's requests up here, so every figure a screen shows in the tests (and under `vite dev`) is
 * one the core computed; the fake never computes one itself.
 *
 * A request is recorded with its *history*: the steps that changed the estimate before it
 * (documents created, work data saved), since the answer depends on them. A request that was
 * not recorded fails loudly, with the scenario to add to `scenarios.json`; record it with
 * `SITEBOOK_RECORD_UI=1 cargo test -p sitebook-core --test ui_recordings`.
 */
import type { ApiError } from "../../bindings/ApiError";
import type { EstimateDetail } from "../../bindings/EstimateDetail";
import type { WorkForm } from "../../bindings/WorkForm";
import file from "./documents.json";

/** One step of a scenario: a command with its arguments, as the UI sends them. */
export type RecordedStep = { command: string; args: Record<string, unknown> };

/** A request as recorded: the workbook billed, the steps that changed it before, the step. */
export type RecordedRequest = { workbook: string; history: RecordedStep[] } & RecordedStep;

type Recording = { request: RecordedRequest; response?: unknown; error?: ApiError };
type RecordedEstimate = { detail: Omit<EstimateDetail, "id" | "fileName" | "createdAt">; workForm: WorkForm };
type RecordedFile = { estimates: Record<string, RecordedEstimate>; recordings: Recording[] };

const recorded = file as unknown as RecordedFile;

export const RECORD_COMMAND = "SITEBOOK_RECORD_UI=1 cargo test -p sitebook-core --test ui_recordings";

/** JSON with every object's keys sorted, so equal requests give equal text. */
export function canonical(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (v !== null && typeof v === "object") {
      return Object.fromEntries(
        Object.entries(v as Record<string, unknown>)
          .filter(([, inner]) => inner !== undefined)
          .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          .map(([key, inner]) => [key, sorted(inner)]),
      );
    }
    return v;
  };
  return JSON.stringify(sorted(value));
}

/** What identifies a recorded workbook's parse: its sheet, items and footer. */
const identity = (detail: Pick<EstimateDetail, "sheetName" | "items" | "footer">) =>
  canonical({ sheetName: detail.sheetName, items: detail.items, footer: detail.footer });

// Indexed on first use, so nothing runs when this module is imported (and a production build,
// which never uses the fake, leaves the recordings out).
let indexes: { byRequest: Map<string, Recording>; workbooks: Map<string, string> } | null = null;
function indexed() {
  indexes ??= {
    byRequest: new Map(recorded.recordings.map((r) => [canonical(r.request), r])),
    workbooks: new Map(Object.entries(recorded.estimates).map(([name, e]) => [identity(e.detail), name])),
  };
  return indexes;
}

function estimateOf(workbook: string): RecordedEstimate {
  const found = recorded.estimates[workbook];
  if (!found) throw new Error(`No workbook "${workbook}" is recorded in ui/src/fake/recorded/documents.json.`);
  return found;
}

/** The core's parse of a recorded workbook, stored as estimate `id`. */
export function recordedEstimate(workbook: string, id: number, fileName: string, createdAt: string): EstimateDetail {
  return { ...structuredClone(estimateOf(workbook).detail), id, fileName, createdAt };
}

/** The work data the core pre-fills from a recorded workbook. */
export function recordedWorkForm(workbook: string): WorkForm {
  return structuredClone(estimateOf(workbook).workForm);
}

/** The recorded workbook an estimate was parsed from, or null when it is not one of them. */
export function workbookOf(detail: EstimateDetail): string | null {
  return indexed().workbooks.get(identity(detail)) ?? null;
}

const misses: string[] = [];

/** What was asked since the last [`clearUnrecorded`] that had no recording, each as its error. */
export function unrecordedRequests(): string[] {
  return [...misses];
}

export function clearUnrecorded(): void {
  misses.length = 0;
}

/** Fails loudly: noted for the tests to check, logged, and thrown as an `internal` error. */
export function failUnrecorded(message: string): never {
  misses.push(message);
  console.error(message);
  throw { code: "internal", message } satisfies ApiError;
}

/**
 * The core's recorded answer to `request`: its value, or its refusal thrown as an `ApiError`.
 * A request never recorded throws too, saying how to record it.
 */
export function recordedAnswer<T>(request: RecordedRequest): T {
  const found = indexed().byRequest.get(canonical(request));
  if (!found) {
    const { workbook, history, command, args } = request;
    const scenario = { name: "(say which screen or test needs it)", workbook, steps: [...history, { command, args }] };
    failUnrecorded(
      `The fake backend has no recording of the core's answer to ${command} on the "${workbook}" workbook. ` +
        `Add this scenario to ui/src/fake/recorded/scenarios.json and record it with ${RECORD_COMMAND}: ` +
        JSON.stringify(scenario),
    );
  }
  if (found.error) throw structuredClone(found.error);
  return structuredClone(found.response) as T;
}

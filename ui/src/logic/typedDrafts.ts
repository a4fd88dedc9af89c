/**
 * What a person typed into a bill or work-slip editor and has not saved, kept while they stay
 * signed in: closing the editor, or visiting another pane and coming back, loses nothing. A
 * draft is the editor's to keep under the document it would make (estimate, kind, number), and
 * goes when that document is saved or the person signs out.
 */
import type { RecoveryEntry } from "../bindings/RecoveryEntry";
import type { SupplementalEntry } from "../bindings/SupplementalEntry";

export type TypedDraft = {
  values: Record<string, string>;
  isFinal: boolean;
  extras: SupplementalEntry[];
  recoveries: RecoveryEntry[];
};

const drafts = new Map<string, TypedDraft>();

/** The key of the document a draft would make: bill 2 of estimate 7 is `7/bill/2`. */
export function draftKey(estimateId: number, kind: string, number: number | null): string {
  return `${estimateId}/${kind}/${number ?? "next"}`;
}

export function typedDraft(key: string): TypedDraft | null {
  return drafts.get(key) ?? null;
}

export function keepTypedDraft(key: string, draft: TypedDraft): void {
  drafts.set(key, draft);
}

export function forgetTypedDraft(key: string): void {
  drafts.delete(key);
}

/** At sign-out: the next person at the window does not see what this one typed. */
export function forgetAllTypedDrafts(): void {
  drafts.clear();
}

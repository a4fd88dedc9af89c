/**
 * What a person typed and has not saved, kept while they stay signed in: closing an editor, or
 * visiting another pane and coming back, loses nothing. A bill or work-slip draft is kept under
 * the document it would make (estimate, kind, number); a settings form (never a secret) under
 * its own key. Each goes when it is saved or the person signs out.
 */
import type { RecoveryEntry } from "../bindings/RecoveryEntry";
import type { SupplementalEntry } from "../bindings/SupplementalEntry";

export type TypedDraft = {
  values: Record<string, string>;
  /** A work slip's rates as typed, by item serial. */
  rates: Record<string, string>;
  isFinal: boolean;
  extras: SupplementalEntry[];
  recoveries: RecoveryEntry[];
};

const drafts = new Map<string, TypedDraft>();
const forms = new Map<string, unknown>();

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

/** A settings form typed and not saved: the sync target of `PWD` is `sync/PWD`. */
export function typedForm<T>(key: string): T | null {
  return (forms.get(key) as T | undefined) ?? null;
}

export function keepTypedForm<T>(key: string, form: T): void {
  forms.set(key, form);
}

export function forgetTypedForm(key: string): void {
  forms.delete(key);
}

/** At sign-out: the next person at the window does not see what this one typed. */
export function forgetAllTypedDrafts(): void {
  drafts.clear();
  forms.clear();
}

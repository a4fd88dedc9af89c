/**
 * How backend errors read on screen. The backend's `message` is always shown; the `code` decides
 * the advice that follows it and which field gets the focus back.
 */
import type { ApiError } from "../bindings/ApiError";

export type FormErrorView = {
  /** One sentence from the backend (or a fallback when it sent none). */
  message: string;
  /** What to do about it, or null when the message says enough. */
  hint: string | null;
  /** The field to focus so the person can fix it. */
  focus: "username" | "password" | "newPassword" | null;
  /** Clear the password field (after a wrong password or a lockout). */
  clearPassword: boolean;
};

const FALLBACK: Record<string, string> = {
  auth_failed: "The username or password is wrong.",
  account_locked: "This account is locked after too many failed sign-ins.",
  password_change_required: "Choose a new password to sign in.",
  validation: "Some of the details are not valid.",
  newer_schema: "This data folder was written by a newer version of Sitebook.",
  not_signed_in: "You are not signed in.",
  no_active_org: "No organization is active.",
  denied: "You do not have permission to do that.",
  not_found: "That item was not found.",
  internal: "Something went wrong inside the app.",
};

function messageOf(error: ApiError): string {
  const text = error.message.trim();
  return text !== "" ? text : (FALLBACK[error.code] ?? FALLBACK.internal ?? "");
}

const INTERNAL_HINT = "Try again. If it keeps happening, note the time and tell your administrator.";

/**
 * The general advice for a failure inside the app, unless the core's sentence already gives its
 * own ("Free some space and try again.", "Try again in a moment.", "send the newest file in
 * logs/"): said twice, the advice read as "…and try again. Try again. If it keeps happening…".
 */
function internalHint(message: string): string | null {
  return /\btry again\b|\bstart again\b|\bsend the newest file\b/i.test(message) ? null : INTERNAL_HINT;
}
const NEWER_SCHEMA_HINT = "Install the newer version of Sitebook to open this data; nothing was changed.";

export function signInErrorView(error: ApiError): FormErrorView {
  const message = messageOf(error);
  switch (error.code) {
    case "auth_failed":
      return { message, hint: "Check both fields and try again. Passwords are case-sensitive.", focus: "password", clearPassword: true };
    case "account_locked":
      // The core's sentence already says how long, and who can lift it.
      return { message, hint: null, focus: null, clearPassword: true };
    case "password_change_required":
      return {
        message,
        hint: "The password you typed is the temporary one. Choose your own below, and type it twice.",
        focus: "newPassword",
        clearPassword: false,
      };
    case "validation":
      return { message, hint: null, focus: "username", clearPassword: false };
    case "newer_schema":
      return { message, hint: NEWER_SCHEMA_HINT, focus: null, clearPassword: false };
    default:
      return { message, hint: internalHint(message), focus: null, clearPassword: false };
  }
}

export function setupErrorView(error: ApiError): FormErrorView {
  const message = messageOf(error);
  switch (error.code) {
    case "validation":
      return { message, hint: null, focus: null, clearPassword: false };
    case "newer_schema":
      return { message, hint: NEWER_SCHEMA_HINT, focus: null, clearPassword: false };
    default:
      return { message, hint: internalHint(message), focus: null, clearPassword: false };
  }
}

/** Text for a pane that could not load its data. */
export function paneErrorView(error: ApiError): { message: string; hint: string | null } {
  const message = messageOf(error);
  switch (error.code) {
    case "denied":
      return { message, hint: "Ask an owner or admin of this organization if you need access." };
    case "no_active_org":
      return { message, hint: "Choose an organization with the picker in the top bar (Ctrl-K)." };
    case "not_found":
      return { message, hint: null };
    case "newer_schema":
      return { message, hint: NEWER_SCHEMA_HINT };
    default:
      return { message, hint: internalHint(message) };
  }
}

/** Text for a failed org switch, shown inside the picker. */
export function switchErrorView(error: ApiError): { message: string; hint: string | null } {
  const message = messageOf(error);
  switch (error.code) {
    case "denied":
      return { message, hint: "Pick another organization, or ask to be added to this one." };
    case "not_found":
      return { message, hint: "The list may be out of date; it has been reloaded." };
    default:
      return paneErrorView(error);
  }
}

/** The session is gone: the app returns to the sign-in screen. */
export function isSessionLost(error: ApiError): boolean {
  return error.code === "not_signed_in";
}

/** Client-side checks of the first-account form, before anything is sent. */
export function checkNewAccount(input: {
  username: string;
  fullName: string;
  password: string;
  confirm: string;
}): string | null {
  if (input.username.trim() === "") return "Enter a username.";
  if (/\s/.test(input.username.trim())) return "A username cannot contain spaces.";
  if (input.fullName.trim() === "") return "Enter the full name of the person who will use this account.";
  if (input.password === "") return "Choose a password.";
  if (input.password !== input.confirm) return "The two passwords do not match. Type them again.";
  return null;
}

/**
 * The window's first screen, drawn without React, and React's taking it over.
 *
 * Sign-in (or, on a new device, "Create the first account") is all a person sees at start-up,
 * yet drawing it with React meant parsing and running about 200 KB of script and holding React
 * in memory before anything showed. So the build draws both screens ahead of time from the same
 * components (`prerender.tsx`) into `<template>`s of `index.html`; at start-up this module asks
 * the shell which one applies, shows it, and loads React only when the person first acts on it
 * (a key, a click, a paste). React then hydrates the very same elements: nothing is redrawn,
 * focus stays where it is, what was typed is kept, and a form submitted while React was still
 * loading is submitted once React is there.
 *
 * This module must not import React: it is what the window runs before React is loaded.
 */
import type { AppStatus } from "../bindings/AppStatus";

/** What the person typed into a field (named by its test id) before React took the screen over. */
export type TypedBefore = (testId: string) => string;

/**
 * How the window began, when React did not draw its first screen: the shell's answer, whether
 * the shell has been told the screen is painted (it is told once), and what was typed.
 */
export type AppStart = {
  status: AppStatus;
  firstScreenAnnounced: boolean;
  typedBefore?: TypedBefore;
};

export type FirstScreen = "setup" | "signin";

/**
 * The id of the `<template>` of `index.html` that holds a first screen, drawn at build time
 * (`prerender.tsx` keys its drawings by it, and the build uses the key as the id).
 */
export const templateIdOf = (screen: FirstScreen) => `first-screen-${screen}`;

/** The text the build puts where the place footer's values go, replaced when a screen is shown. */
export const PLACE_MARKS = { device: "{{device}}", dataDir: "{{data-folder}}" } as const;

/** The React side, loaded on demand (`reactApp.tsx`). */
export type ReactWindow = {
  /** React draws the window from nothing (and asks the shell for its status if not given). */
  render(container: HTMLElement, start?: AppStart): Promise<void>;
  /** React adopts the screen already drawn in `container`, then calls `adopted`. */
  hydrate(container: HTMLElement, start: AppStart, adopted: () => void): void;
};

export type WindowOpening = {
  /** False in a plain browser (`npm run dev`), where React draws everything from the start. */
  inTauri: boolean;
  appStatus(): Promise<AppStatus>;
  /** Tells the shell the first screen is painted, so it starts its background work. */
  announceFirstScreen(): Promise<void>;
  loadReact(): Promise<ReactWindow>;
};

/**
 * Tells the shell, once the screen just drawn has been painted, that its background work may
 * start: the work would otherwise compete with drawing that screen. Used by this module and by
 * React's `App` when it draws the first screen itself.
 */
export function announceAfterPaint(announce: () => Promise<void>): void {
  requestAnimationFrame(() =>
    setTimeout(() => {
      // Nothing to tell the person if it fails: the shell starts the work after a few seconds.
      announce().catch(() => undefined);
    }, 0),
  );
}

/** The events that mean a person has started to use the screen. */
const FIRST_TOUCHES = ["keydown", "pointerdown", "paste", "input"] as const;

export async function openWindow(container: HTMLElement, opening: WindowOpening): Promise<void> {
  if (!opening.inTauri) return (await opening.loadReact()).render(container);
  let status: AppStatus;
  try {
    status = await opening.appStatus();
  } catch {
    // React asks again, and shows the person why the data cannot be opened.
    return (await opening.loadReact()).render(container);
  }
  const screen: FirstScreen | null = status.session ? null : status.needsSetup ? "setup" : "signin";
  const template = screen ? container.ownerDocument.getElementById(templateIdOf(screen)) : null;
  if (!(template instanceof HTMLTemplateElement)) {
    // Signed in already (the page was reloaded), or a build without the drawn screens.
    return (await opening.loadReact()).render(container, { status, firstScreenAnnounced: false });
  }
  showDrawnScreen(container, template, status);
  announceAfterPaint(opening.announceFirstScreen);
  handOverOnFirstTouch(container, status, opening.loadReact);
}

function showDrawnScreen(container: HTMLElement, template: HTMLTemplateElement, status: AppStatus) {
  container.replaceChildren(template.content.cloneNode(true));
  const values = new Map([
    [PLACE_MARKS.device as string, status.device],
    [PLACE_MARKS.dataDir as string, status.dataDir],
  ]);
  const walker = container.ownerDocument.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node as Text;
    const value = values.get(text.data);
    if (value !== undefined) text.data = value;
  }
  container.querySelector<HTMLElement>("[autofocus]")?.focus();
}

function handOverOnFirstTouch(container: HTMLElement, status: AppStatus, loadReact: () => Promise<ReactWindow>) {
  // Until React listens, a submitted form would be sent by the browser itself (reloading the
  // page); it is held and sent again once React has the form.
  let submitHeld = false;
  const holdSubmit = (event: Event) => {
    event.preventDefault();
    submitHeld = true;
  };
  container.addEventListener("submit", holdSubmit, true);

  const touched = () => {
    for (const kind of FIRST_TOUCHES) container.removeEventListener(kind, touched, true);
    void takeOver();
  };
  for (const kind of FIRST_TOUCHES) container.addEventListener(kind, touched, true);

  async function takeOver() {
    let react: ReactWindow;
    try {
      react = await loadReact();
    } catch (error) {
      showStartFailure(container, error);
      return;
    }
    let adopting = true;
    // Read while React renders the adopted screen, so a key pressed a moment earlier counts.
    const typedBefore: TypedBefore = (testId) =>
      adopting ? (container.querySelector<HTMLInputElement>(`[data-testid="${testId}"]`)?.value ?? "") : "";
    container.removeEventListener("submit", holdSubmit, true);
    react.hydrate(container, { status, firstScreenAnnounced: true, typedBefore }, () => {
      if (!adopting) return;
      adopting = false;
      // A key typed while React was adopting the screen (after it read the fields, before it
      // listened) reaches React as a change it replays after committing; the held submit waits
      // a turn so that it is sent with that text, not before it.
      if (submitHeld) setTimeout(() => container.querySelector("form")?.requestSubmit(), 0);
    });
  }
}

/** The script behind the screen could not be loaded: say so on the screen, not only in a log. */
function showStartFailure(container: HTMLElement, error: unknown) {
  const note = container.ownerDocument.createElement("p");
  note.className = "inline-error";
  note.setAttribute("role", "alert");
  note.textContent = `Sitebook could not start its window (${String(error)}). Close it and open Sitebook again.`;
  (container.querySelector("form") ?? container).append(note);
}

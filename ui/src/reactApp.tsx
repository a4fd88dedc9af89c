/**
 * React's side of the window, loaded after the first screen (`firstScreen/handoff.ts`): it either
 * draws the window from nothing or adopts the first screen already drawn. Inside the Tauri window
 * the real backend is used. In a plain browser during development (`npm run dev`) the in-memory
 * fake stands in, filled with demo data; append `?first-run` to the URL to start on the "create
 * the first account" screen.
 */
import { useEffect, type ReactNode } from "react";
import { createRoot, hydrateRoot } from "react-dom/client";
import { runningInTauri, tauriBackend, type Backend } from "./backend";
import type { FakeBackend } from "./fake/backend";
import type { AppStart, ReactWindow } from "./firstScreen/handoff";
import { Root } from "./Root";

async function chooseBackend(): Promise<Backend | null> {
  if (runningInTauri()) return tauriBackend;
  if (import.meta.env.DEV) {
    const [{ createFakeBackend }, { demoSeed, firstRunSeed }] = await Promise.all([
      import("./fake/backend"),
      import("./fake/demoSeed"),
    ]);
    const firstRun = new URLSearchParams(window.location.search).has("first-run");
    const fake = createFakeBackend(firstRun ? firstRunSeed({ latencyMs: 150 }) : demoSeed({ latencyMs: 150 }));
    bridgeBrowserDrops(fake);
    return fake;
  }
  return null;
}

/**
 * In a plain browser there is no shell to report file drops, so the page's own drag events stand
 * in for it: the dropped files' names play the part of their paths. (In the Tauri window the
 * shell takes over drops, and this is never installed.)
 */
function bridgeBrowserDrops(fake: FakeBackend): void {
  let depth = 0;
  const hasFiles = (event: DragEvent) => Array.from(event.dataTransfer?.types ?? []).includes("Files");
  window.addEventListener("dragenter", (event) => {
    if (!hasFiles(event)) return;
    depth++;
    fake.dragEnter();
  });
  window.addEventListener("dragover", (event) => {
    if (hasFiles(event)) event.preventDefault();
  });
  window.addEventListener("dragleave", (event) => {
    if (!hasFiles(event)) return;
    depth = Math.max(0, depth - 1);
    if (depth === 0) fake.dragLeave();
  });
  window.addEventListener("drop", (event) => {
    if (!hasFiles(event)) return;
    event.preventDefault();
    depth = 0;
    fake.drop(Array.from(event.dataTransfer?.files ?? []).map((file) => `/browser/${file.name}`));
  });
}

/** Calls `adopted` once React has committed the adopted screen (it renders no element). */
function WhenAdopted({ adopted, children }: { adopted: () => void; children: ReactNode }) {
  useEffect(adopted, [adopted]);
  return children;
}

/**
 * The window drawn by React. `pickBackend` serves a window drawn from nothing (which may be a
 * plain browser); a screen drawn before React exists only in the desktop app, so its backend is
 * known at once, and React adopts the screen without a pause in which a submit would be lost.
 * The tests give the fake for both.
 */
export function reactWindow(pickBackend: () => Promise<Backend | null>, desktopBackend: Backend): ReactWindow {
  return {
    async render(container, start?: AppStart) {
      createRoot(container).render(<Root backend={await pickBackend()} start={start} />);
    },
    hydrate(container, start, adopted) {
      hydrateRoot(
        container,
        <WhenAdopted adopted={adopted}>
          <Root backend={desktopBackend} start={start} />
        </WhenAdopted>,
        {
          // The screen drawn at build time differed from React's, so React drew it again: it
          // still works, but focus and typing may have been disturbed, which is a bug to report.
          onRecoverableError: (error) => console.error("React redrew the first screen:", error),
        },
      );
    },
  };
}

export const sitebookWindow = reactWindow(chooseBackend, tauriBackend);

/**
 * Entry point. Inside the Tauri window the real backend is used. In a plain browser during
 * development (`npm run dev`) the in-memory fake stands in, filled with demo data; append
 * `?first-run` to the URL to start on the "create the first account" screen.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { runningInTauri, tauriBackend, type Backend } from "./backend";
import { createFakeBackend, type FakeBackend } from "./fake/backend";
import { BackendProvider } from "./backendContext";
import { ErrorBoundary } from "./components/common/ErrorBoundary";
import "./styles.css";

async function chooseBackend(): Promise<Backend | null> {
  if (runningInTauri()) return tauriBackend;
  if (import.meta.env.DEV) {
    const { demoSeed, firstRunSeed } = await import("./fake/demoSeed");
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

const container = document.getElementById("root");
if (!container) throw new Error("index.html has no #root element");
const root = createRoot(container);

void chooseBackend().then((backend) => {
  root.render(
    <StrictMode>
      <ErrorBoundary>
        {backend ? (
          <BackendProvider backend={backend}>
            <App />
          </BackendProvider>
        ) : (
          <div className="center-screen">
            <div className="card narrow">
              <h1 className="card-title">Open Sitebook from the desktop app</h1>
              <p className="lead">This page is Sitebook’s window and only works inside the Sitebook desktop app.</p>
            </div>
          </div>
        )}
      </ErrorBoundary>
    </StrictMode>,
  );
});

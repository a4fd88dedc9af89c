/**
 * Entry point. Inside the Tauri window the real backend is used. In a plain browser during
 * development (`npm run dev`) the in-memory fake stands in, filled with demo data; append
 * `?first-run` to the URL to start on the "create the first account" screen.
 */
import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./App";
import { createFakeBackend, runningInTauri, tauriBackend, type Backend } from "./backend";
import { BackendProvider } from "./backendContext";
import { ErrorBoundary } from "./components/ErrorBoundary";
import "./styles.css";

async function chooseBackend(): Promise<Backend | null> {
  if (runningInTauri()) return tauriBackend;
  if (import.meta.env.DEV) {
    const { demoSeed, firstRunSeed } = await import("./demoSeed");
    const firstRun = new URLSearchParams(window.location.search).has("first-run");
    return createFakeBackend(firstRun ? firstRunSeed({ latencyMs: 150 }) : demoSeed({ latencyMs: 150, sessionEvents: true }));
  }
  return null;
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

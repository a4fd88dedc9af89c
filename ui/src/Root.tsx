/**
 * The window's whole React tree. The browser renders it, and the build renders it too, to draw
 * the first screens ahead of time (`firstScreen/prerender.tsx`): both must build the same tree,
 * or React could not take over the screen drawn without it.
 */
import { StrictMode } from "react";
import { App } from "./App";
import type { AppStart } from "./firstScreen/handoff";
import type { Backend } from "./backend";
import { BackendProvider } from "./backendContext";
import { ErrorBoundary } from "./components/common/ErrorBoundary";

export function Root({ backend, start }: { backend: Backend | null; start?: AppStart }) {
  return (
    <StrictMode>
      <ErrorBoundary>
        {backend ? (
          <BackendProvider backend={backend}>
            <App start={start} />
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
    </StrictMode>
  );
}

/** The React error boundary around the whole window (used by `main.tsx`). */
import { Component, type ErrorInfo, type ReactNode } from "react";
import { ErrorBanner } from "./ErrorBanner";

/** Last line of defence: a rendering bug shows a message instead of a blank window. */
export class ErrorBoundary extends Component<{ children: ReactNode }, { error: Error | null }> {
  override state: { error: Error | null } = { error: null };

  static getDerivedStateFromError(error: Error) {
    return { error };
  }

  override componentDidCatch(error: Error, info: ErrorInfo) {
    console.error("Sitebook UI error", error, info.componentStack);
  }

  override render() {
    if (this.state.error) {
      return (
        <div className="center-screen">
          <div className="card narrow">
            <h1 className="card-title">This window hit a problem</h1>
            <ErrorBanner
              error={{ code: "internal", message: this.state.error.message || "The window could not be drawn." }}
              hint="Reload the window to carry on; your data is safe in the local store."
            />
            <div className="form-actions">
              <button type="button" className="button" onClick={() => window.location.reload()}>
                Reload window
              </button>
            </div>
          </div>
        </div>
      );
    }
    return this.props.children;
  }
}

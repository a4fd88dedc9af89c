/**
 * The app's top-level state machine: loading → first run | sign in | main layout.
 *
 * The session (user + active org) lives here and is replaced in one `setState` whenever the
 * backend returns a new `SessionView`, so every part of the window changes together after a
 * sign-in or an org switch.
 */
import { lazy, Suspense, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { toApiError } from "./backend";
import { useBackend } from "./backendContext";
import { AppActionsContext, type AppActions } from "./appContext";
import type { ApiError } from "./bindings/ApiError";
import type { AppStatus } from "./bindings/AppStatus";
import type { SessionView } from "./bindings/SessionView";
import { ErrorBanner } from "./components/common/ErrorBanner";
import { SetupScreen } from "./components/setup/SetupScreen";
import { SignInScreen } from "./components/setup/SignInScreen";
import { announceAfterPaint, type AppStart } from "./firstScreen/handoff";
import { isSessionLost, paneErrorView } from "./logic/errors";
import { forgetAllTypedDrafts } from "./logic/typedDrafts";

// Everything after sign-in (the panes, the editors) loads on first use, so the first screen
// a person sees parses only what it draws.
const MainLayout = lazy(() =>
  import("./components/shell/MainLayout").then((module) => ({ default: module.MainLayout })),
);

type Place = { dataDir: string; device: string };

type Phase =
  | { kind: "loading" }
  | { kind: "unavailable"; error: ApiError }
  | { kind: "setup" }
  | { kind: "signin"; notice: string | null }
  | { kind: "main"; session: SessionView };

function phaseOf(status: AppStatus): Phase {
  if (status.needsSetup) return { kind: "setup" };
  if (status.session) return { kind: "main", session: status.session };
  return { kind: "signin", notice: null };
}

const placeOf = (status: AppStatus): Place => ({ dataDir: status.dataDir, device: status.device });

export function App({ start }: { start?: AppStart }) {
  const backend = useBackend();
  const [phase, setPhase] = useState<Phase>(() => (start ? phaseOf(start.status) : { kind: "loading" }));
  const [place, setPlace] = useState<Place | null>(() => (start ? placeOf(start.status) : null));
  const [banner, setBanner] = useState<ApiError | null>(null);

  const load = useCallback(async () => {
    setPhase({ kind: "loading" });
    try {
      const status = await backend.appStatus();
      setPlace(placeOf(status));
      setPhase(phaseOf(status));
    } catch (error) {
      setPhase({ kind: "unavailable", error: toApiError(error) });
    }
  }, [backend]);

  // A window that began with the shell's answer already has its first screen.
  const begunWithStatus = useRef(start !== undefined);
  useEffect(() => {
    if (begunWithStatus.current) return;
    void load();
  }, [load]);

  // Once, after the first screen past "Opening…" has been painted: the shell then starts its
  // background work, which would otherwise compete with drawing that screen.
  const firstScreenAnnounced = useRef(start?.firstScreenAnnounced ?? false);
  useEffect(() => {
    if (phase.kind === "loading" || firstScreenAnnounced.current) return;
    firstScreenAnnounced.current = true;
    announceAfterPaint(backend.firstScreenShown);
  }, [phase.kind, backend]);

  // Promise rejections nobody caught still reach the person, in the banner.
  useEffect(() => {
    const onRejection = (event: PromiseRejectionEvent) => {
      setBanner(toApiError(event.reason));
    };
    window.addEventListener("unhandledrejection", onRejection);
    return () => window.removeEventListener("unhandledrejection", onRejection);
  }, []);

  const enter = useCallback((session: SessionView) => {
    setBanner(null);
    setPhase({ kind: "main", session });
  }, []);

  const leave = useCallback(
    async (notice: string) => {
      try {
        await backend.signOut();
        forgetAllTypedDrafts();
        setPhase({ kind: "signin", notice });
      } catch (error) {
        const apiError = toApiError(error);
        if (isSessionLost(apiError)) {
          forgetAllTypedDrafts();
          setPhase({ kind: "signin", notice });
        }
        else setBanner({ code: apiError.code, message: `Could not sign out: ${apiError.message}` });
      }
    },
    [backend],
  );

  const actions = useMemo<AppActions>(
    () => ({
      handleError(error) {
        const apiError = toApiError(error);
        if (isSessionLost(apiError)) {
          // Only from the main layout: a load that was still under way when the person signed
          // out must not replace "You signed out." with this.
          setPhase((current) =>
            current.kind === "main"
              ? { kind: "signin", notice: "Your session has ended. Sign in again to continue." }
              : current,
          );
        }
        return apiError;
      },
      reportUnexpected(error) {
        setBanner(toApiError(error));
      },
      openPicker() {
        // Only the main layout has a picker; it provides its own actions with this filled in.
      },
    }),
    [],
  );

  const bannerView = banner ? paneErrorView(banner) : null;

  return (
    <AppActionsContext.Provider value={actions}>
      <div className="app">
        {banner && bannerView ? (
          <ErrorBanner
            error={{ code: banner.code, message: bannerView.message }}
            hint={bannerView.hint}
            onDismiss={() => setBanner(null)}
          />
        ) : null}
        {phase.kind === "loading" ? (
          <div className="center-screen" role="status" aria-live="polite">
            <p className="muted">Opening Sitebook…</p>
          </div>
        ) : null}
        {phase.kind === "unavailable" ? (
          <div className="center-screen">
            <div className="card narrow">
              <h1 className="card-title">Sitebook cannot open its data</h1>
              <ErrorBanner error={phase.error} hint={paneErrorView(phase.error).hint} />
              <div className="form-actions">
                <button type="button" className="button" onClick={() => void load()}>
                  Try again
                </button>
              </div>
            </div>
          </div>
        ) : null}
        {phase.kind === "setup" ? <SetupScreen place={place} typedBefore={start?.typedBefore} onCreated={enter} /> : null}
        {phase.kind === "signin" ? (
          <SignInScreen place={place} notice={phase.notice} typedBefore={start?.typedBefore} onSignedIn={enter} />
        ) : null}
        {phase.kind === "main" ? (
          <Suspense fallback={null}>
            <MainLayout
              session={phase.session}
              onSessionChange={enter}
              onSignOut={() => void leave("You signed out.")}
              onSwitchUser={() =>
                void leave(`${phase.session.user.fullName} signed out. Sign in as another person.`)
              }
            />
          </Suspense>
        ) : null}
      </div>
    </AppActionsContext.Provider>
  );
}

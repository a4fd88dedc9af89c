/**
 * The whole window against the fake backend, for the flow tests: start it, and get through the
 * first screens the way a person would. Every flow test reaches its pane through these, so a
 * change to the account screens is followed in one place.
 */
import { fireEvent, render, screen } from "@testing-library/react";
import { App } from "../App";
import { BackendProvider } from "../backendContext";
import { createFakeBackend, type FakeBackend, type FakeSeed } from "../fake/backend";
import { DEMO_PASSWORD, demoSeed } from "../fake/demoSeed";
import { forgetAllTypedDrafts } from "../logic/typedDrafts";

export const byId = (id: string) => screen.getByTestId(id);

/** Renders the window around `backend` (prepared first, e.g. with a failure queued). */
export function renderApp(backend: FakeBackend): FakeBackend {
  // A new window starts with nothing typed; the drafts of the last test's window are its own.
  forgetAllTypedDrafts();
  render(
    <BackendProvider backend={backend}>
      <App />
    </BackendProvider>,
  );
  return backend;
}

/** Renders the window around a new fake backend holding `seed`. */
export function startApp(seed: FakeSeed = demoSeed()): FakeBackend {
  return renderApp(createFakeBackend(seed));
}

/** Types into the sign-in screen once it shows, without pressing Sign in. */
export async function typeSignIn(username: string, password = DEMO_PASSWORD) {
  fireEvent.change(await screen.findByTestId("signin-username"), { target: { value: username } });
  fireEvent.change(byId("signin-password"), { target: { value: password } });
}

export async function signIn(username: string, password = DEMO_PASSWORD) {
  await typeSignIn(username, password);
  fireEvent.click(byId("signin-submit"));
}

/** Fills in the first-account screen (already showing) and submits it. */
export function submitFirstAccount(account: { username: string; fullName: string; password: string; confirm: string }) {
  fireEvent.change(byId("setup-username"), { target: { value: account.username } });
  fireEvent.change(byId("setup-fullname"), { target: { value: account.fullName } });
  fireEvent.change(byId("setup-password"), { target: { value: account.password } });
  fireEvent.change(byId("setup-password-confirm"), { target: { value: account.confirm } });
  fireEvent.click(byId("setup-submit"));
}

import { fireEvent, screen, waitFor } from "@testing-library/react";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createFakeBackend, type FakeBackend } from "../fake/backend";
import { DEMO_PASSWORD, demoSeed, firstRunSeed } from "../fake/demoSeed";
import { reactWindow } from "../reactApp";
import { openWindow, type ReactWindow, type WindowOpening } from "./handoff";
import { drawFirstScreens } from "./prerender";

// The window as the build ships it: index.html's #root, and the two screens drawn at build time.
let container: HTMLElement;
beforeEach(() => {
  for (const [id, html] of Object.entries(drawFirstScreens())) {
    const template = document.createElement("template");
    template.id = id;
    template.innerHTML = html;
    document.body.append(template);
  }
  container = document.createElement("div");
  container.id = "root";
  document.body.append(container);
});
afterEach(() => {
  document.body.replaceChildren();
});

/** Opens the window on `fake`; React loads only when asked, and then when `arrival` lets it. */
function opening(fake: FakeBackend, arrival: Promise<void> = Promise.resolve()) {
  const announced = vi.fn(async () => undefined);
  const loadReact = vi.fn(async (): Promise<ReactWindow> => {
    await arrival;
    return reactWindow(async () => fake, fake);
  });
  const open: WindowOpening = { inTauri: true, appStatus: fake.appStatus, announceFirstScreen: announced, loadReact };
  return { open, announced, loadReact };
}

const nextFrame = () => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));

describe("the first screen drawn at build time", () => {
  it("shows sign-in with this device's place, focused, and tells the shell once, without loading React", async () => {
    const fake = createFakeBackend(demoSeed());
    const status = await fake.appStatus();
    const { open, announced, loadReact } = opening(fake);

    await openWindow(container, open);
    await nextFrame();

    expect(screen.getByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(document.activeElement).toBe(screen.getByTestId("signin-username"));
    expect(container.querySelector(".place-footer")?.textContent).toBe(`Device${status.device}Data folder${status.dataDir}`);
    expect(container.textContent).not.toContain("{{");
    expect(announced).toHaveBeenCalledTimes(1);
    expect(loadReact).not.toHaveBeenCalled();
  });

  it("is adopted by React on the first key: the same elements, what was typed kept, and sign-in works", async () => {
    const errors = vi.spyOn(console, "error");
    const fake = createFakeBackend(demoSeed());
    const { open, loadReact } = opening(fake);
    await openWindow(container, open);
    const username = screen.getByTestId("signin-username") as HTMLInputElement;

    fireEvent.keyDown(username, { key: "a" });
    username.value = "asha";
    await waitFor(() => expect(loadReact).toHaveBeenCalledTimes(1));
    const password = screen.getByTestId("signin-password") as HTMLInputElement;
    fireEvent.change(password, { target: { value: DEMO_PASSWORD } });
    fireEvent.click(screen.getByTestId("signin-submit"));

    expect((await screen.findByTestId("current-user")).textContent).toContain("Asha Verma");
    expect(fake.calls.filter((call) => call === "sign_in")).toHaveLength(1);
    // No hydration mismatch was reported: the drawn screen is what React would have drawn.
    expect(errors).not.toHaveBeenCalled();
  });

  it("keeps the very elements the person is typing into when React arrives", async () => {
    const fake = createFakeBackend(demoSeed());
    let arrive!: () => void;
    const { open } = opening(fake, new Promise((done) => (arrive = done)));
    await openWindow(container, open);
    const username = screen.getByTestId("signin-username") as HTMLInputElement;
    const password = screen.getByTestId("signin-password") as HTMLInputElement;

    fireEvent.keyDown(username, { key: "r" });
    username.value = "ravi";
    password.focus();
    arrive();
    await waitFor(() => expect(Object.keys(password).some((key) => key.startsWith("__reactProps"))).toBe(true));

    expect(screen.getByTestId("signin-username")).toBe(username);
    expect(screen.getByTestId("signin-password")).toBe(password);
    expect(username.value).toBe("ravi");
    expect(document.activeElement).toBe(password);
  });

  it("sends a form submitted while React was still loading once React has it, and only once", async () => {
    const fake = createFakeBackend(firstRunSeed());
    let arrive!: () => void;
    const { open } = opening(fake, new Promise((done) => (arrive = done)));
    await openWindow(container, open);
    expect(screen.getByRole("heading", { name: "Create the first account" })).toBeTruthy();

    const typeInto = (testId: string, text: string) => {
      const input = screen.getByTestId(testId) as HTMLInputElement;
      input.value = text;
      fireEvent.input(input);
    };
    typeInto("setup-username", "asha");
    typeInto("setup-fullname", "Asha Verma");
    typeInto("setup-password", "long-enough-pw");
    typeInto("setup-password-confirm", "long-enough-pw");
    const submitted = fireEvent.submit(screen.getByTestId("setup-submit").closest("form")!);
    expect(submitted).toBe(false); // held: the browser did not send the form itself
    expect(fake.calls).not.toContain("create_first_account");

    arrive();
    expect((await screen.findByTestId("current-user")).textContent).toContain("Asha Verma");
    expect(fake.calls.filter((call) => call === "create_first_account")).toHaveLength(1);
  });

  it("leaves the window to React from the start when the shell cannot answer, and React asks again", async () => {
    const fake = createFakeBackend(demoSeed());
    fake.failNext("app_status", { code: "internal", message: "The database is busy." });
    const { open, loadReact } = opening(fake);

    await openWindow(container, open);

    expect(loadReact).toHaveBeenCalledTimes(1);
    expect(await screen.findByRole("heading", { name: "Sign in" })).toBeTruthy();
    expect(fake.calls.filter((call) => call === "app_status")).toHaveLength(2);
  });
});

/**
 * Draws the two first screens at build time (`vite.config.ts` puts them into `index.html`), with
 * the very tree the window renders, so that React can later adopt them as they are.
 */
import { renderToString } from "react-dom/server";
import type { Backend } from "../backend";
import type { AppStatus } from "../bindings/AppStatus";
import { Root } from "../Root";
import { PLACE_MARKS, templateIdOf, type FirstScreen } from "./handoff";

/** Drawing a screen calls nothing: a backend method reached at build time is a mistake. */
const noBackendAtBuildTime = new Proxy({} as Backend, {
  get: (_, method) => () => {
    throw new Error(`the build drew a first screen that called the backend (${String(method)})`);
  },
});

export function drawFirstScreen(screen: FirstScreen): string {
  const status: AppStatus = {
    needsSetup: screen === "setup",
    session: null,
    device: PLACE_MARKS.device,
    dataDir: PLACE_MARKS.dataDir,
  };
  return renderToString(<Root backend={noBackendAtBuildTime} start={{ status, firstScreenAnnounced: true }} />);
}

/** Both first screens, keyed by the id of the `<template>` each goes into. */
export function drawFirstScreens(): Record<string, string> {
  const screens: FirstScreen[] = ["setup", "signin"];
  return Object.fromEntries(screens.map((screen) => [templateIdOf(screen), drawFirstScreen(screen)]));
}

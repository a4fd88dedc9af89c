/// <reference types="vitest/config" />
// Vite config for the Sitebook frontend.
// `base: './'` keeps asset URLs relative so the Tauri shell can serve dist/ from any origin.
// Nothing here fetches from the network at runtime: no CDN, no web fonts.
import { cpSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig, runnerImport, type Plugin } from "vite";
import react from "@vitejs/plugin-react";

const here = dirname(fileURLToPath(import.meta.url));
const standardFonts = resolve(here, "node_modules/pdfjs-dist/standard_fonts");

/**
 * pdf.js draws the 14 standard PDF fonts from its own font files; without them it falls back to
 * whatever serif the system has. Documents made now embed their fonts, but those made before
 * (built-in Times) are still previewed, so the files ship with the app, next to index.html,
 * and the preview needs no network.
 */
function pdfjsStandardFonts(): Plugin {
  return {
    name: "sitebook-pdfjs-standard-fonts",
    writeBundle(options) {
      cpSync(standardFonts, resolve(options.dir ?? "dist", "pdfjs/standard_fonts"), { recursive: true });
    },
  };
}

/**
 * The window's first screens (sign in, create the first account), drawn by React at build time
 * and put into index.html as `<template>`s: the window shows one at once, without loading React,
 * and React adopts it when the person starts to use it (src/firstScreen/handoff.ts).
 */
function drawnFirstScreens(): Plugin {
  return {
    name: "sitebook-drawn-first-screens",
    apply: "build",
    async transformIndexHtml() {
      const { module } = await runnerImport<{ drawFirstScreens(): Record<string, string> }>(
        resolve(here, "src/firstScreen/prerender.tsx"),
        { configFile: false, plugins: [react()], logLevel: "warn" },
      );
      return Object.entries(module.drawFirstScreens()).map(([id, html]) => ({
        tag: "template",
        attrs: { id },
        children: html,
        injectTo: "body" as const,
      }));
    },
  };
}

export default defineConfig({
  base: "./",
  plugins: [react(), pdfjsStandardFonts(), drawnFirstScreens()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
    // The Indian-script fonts come from the core's bundled set (styles.css), outside ui/.
    fs: { allow: [here, resolve(here, "../crates/sitebook-core/assets/fonts")] },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    sourcemap: false,
  },
  test: {
    environment: "jsdom",
    include: ["src/**/*.test.{ts,tsx}"],
    setupFiles: ["src/test/setup.ts"],
    restoreMocks: true,
  },
});

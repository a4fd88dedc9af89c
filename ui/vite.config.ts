/// <reference types="vitest/config" />
// Vite config for the Sitebook frontend.
// `base: './'` keeps asset URLs relative so the Tauri shell can serve dist/ from any origin.
// Nothing here fetches from the network at runtime: no CDN, no web fonts.
import { defineConfig } from "vite";
import react from "@vitejs/plugin-react";

export default defineConfig({
  base: "./",
  plugins: [react()],
  clearScreen: false,
  server: {
    port: 5173,
    strictPort: true,
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

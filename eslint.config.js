// ESLint flat config (ESLint 10, typescript-eslint 8, non type-checked).
import js from "@eslint/js";
import { defineConfig, globalIgnores } from "eslint/config";
import globals from "globals";
import tseslint from "typescript-eslint";

// Node globals for plain-JS entry points (the `globals` package is not a dependency).
const nodeGlobals = {
  process: "readonly",
  console: "readonly",
  Buffer: "readonly",
  URL: "readonly",
  URLSearchParams: "readonly",
  setTimeout: "readonly",
  clearTimeout: "readonly",
  setInterval: "readonly",
  clearInterval: "readonly",
  setImmediate: "readonly",
  clearImmediate: "readonly",
  queueMicrotask: "readonly",
  structuredClone: "readonly",
  AbortController: "readonly",
  AbortSignal: "readonly",
  fetch: "readonly",
};

const unusedVars = [
  "error",
  {
    argsIgnorePattern: "^_",
    varsIgnorePattern: "^_",
    caughtErrorsIgnorePattern: "^_",
    destructuredArrayIgnorePattern: "^_",
  },
];

export default defineConfig(
  globalIgnores([
    "**/node_modules/",
    "data/",
    "out/",
    "dist/",
    "coverage/",
    "test-output/",
    "drizzle/meta/",
  ]),
  {
    files: ["**/*.ts", "bin/*.js"],
    extends: [js.configs.recommended, tseslint.configs.recommended],
    languageOptions: {
      ecmaVersion: "latest",
      sourceType: "module",
      globals: nodeGlobals,
    },
    rules: {
      "no-unused-vars": "off",
      "@typescript-eslint/no-unused-vars": unusedVars,
    },
  },
  {
    // The editors' page: ES modules run by the browser, type-checked by tsconfig.web.json.
    files: ["web/**/*.js"],
    extends: [js.configs.recommended],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: globals.browser,
    },
    rules: {
      "no-unused-vars": unusedVars,
    },
  },
);

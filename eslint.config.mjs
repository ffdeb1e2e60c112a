// Lint: ESLint's and typescript-eslint's recommended rules over all TypeScript and the page's JavaScript.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", ".local-data/", ".local-build/", "test-output/", "cli/dist/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: "readonly", Buffer: "readonly", console: "readonly" } },
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-control-regex": "off",
    },
  },
  {
    // The launchers of the CLI and of npm start: CommonJS Node scripts that load the TypeScript.
    files: ["cli/**/*.js", "local/**/*.js"],
    languageOptions: { sourceType: "commonjs", globals: { require: "readonly", __dirname: "readonly" } },
    rules: { "@typescript-eslint/no-require-imports": "off" },
  },
  {
    // The page's script: a classic browser script, no modules, no build step.
    files: ["web/**/*.js"],
    languageOptions: {
      sourceType: "script",
      globals: {
        window: "readonly",
        document: "readonly",
        navigator: "readonly",
        fetch: "readonly",
        URL: "readonly",
        XMLHttpRequest: "readonly",
        AbortController: "readonly",
        Option: "readonly",
        setTimeout: "readonly",
      },
    },
  },
);

import { defineConfig } from "vite";

// Two pages from one build: the explorer at / and GraphiQL at /graphiql.
// Everything they load is bundled into dist/assets under content-hashed
// names, so the server can let browsers keep them forever and no page
// reaches a CDN at run time.
export default defineConfig({
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 2000,
    rollupOptions: {
      input: { explorer: "index.html", graphiql: "graphiql.html" },
      // React libraries mark themselves "use client" for server rendering,
      // which a browser bundle has no use for.
      onwarn(w, warn) {
        if (w.code !== "MODULE_LEVEL_DIRECTIVE") warn(w);
      },
    },
  },
});

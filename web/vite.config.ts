import { defineConfig } from 'vite';

// The build is served by the Python app (StaticFiles at `/`), so it goes into the package with
// fixed file names: a rebuild changes file contents, never the layout.
export default defineConfig({
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'react' } },
  build: {
    outDir: '../src/cc_orchestrator/web/static',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 600,
    rolldownOptions: {
      output: {
        entryFileNames: 'assets/app.js',
        chunkFileNames: 'assets/[name].js',
        // the entry's stylesheet is app.css; the lazily loaded terminal's is Terminal.css
        assetFileNames: (asset) =>
          asset.names.includes('index.css') ? 'assets/app.css' : 'assets/[name][extname]',
      },
    },
  },
  server: {
    // `npm run dev` next to `cco up --port 8765`
    proxy: { '/api': { target: 'http://127.0.0.1:8765', ws: true } },
  },
});

import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { CallEngine } from './webrtc/index.ts';
import { App } from './app/App.tsx';
import { RuntimeContext } from './app/context.ts';
import { installCallDebug } from './app/debug.ts';
import { AppRuntime } from './app/runtime.ts';
import './app/styles.css';

const query = new URLSearchParams(window.location.search);
const runtime = new AppRuntime({
  createEngine: (options) => new CallEngine(options),
  ...(query.get('relay') === '1' ? { iceTransportPolicy: 'relay' as const } : {}),
});
installCallDebug(runtime, window.location.search);

const root = createRoot(document.getElementById('root')!);
root.render(
  <StrictMode>
    <RuntimeContext value={runtime}>
      <App />
    </RuntimeContext>
  </StrictMode>,
);

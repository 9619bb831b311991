import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app/App';
import { bootEngine } from './app/engineBoot';
import { startPwa } from './pwa/register';
import './app/app.css';
import './app/views.css';

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
// Load errors land in the store as sentences shown in the header.
void bootEngine();
// The service worker (built app only): offline use, and the "Update available" prompt in the header.
void startPwa();

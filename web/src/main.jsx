// Gantry's local playground: a Slack-like client over the sandbox that
// `gantry serve` runs when no Slack tokens are configured.
import { createRoot } from 'react-dom/client';
import 'slack-blocks-to-jsx/dist/style.css';
import './styles.css';
import { App } from './App.jsx';
import { StoreProvider } from './state.jsx';

createRoot(document.getElementById('root')).render(
  <StoreProvider>
    <App />
  </StoreProvider>,
);

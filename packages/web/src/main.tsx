import { render } from 'preact';
import { App } from './components/App';
import { applyDocumentLang } from './i18n';
import { store } from './store';
import './styles.css';

applyDocumentLang();
const root = document.getElementById('app');
if (root) {
  render(<App />, root);
}
void store.boot();

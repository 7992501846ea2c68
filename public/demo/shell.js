// The demo shell's script: it mounts the Secrets section through the
// JavaScript entry, as a dashboard shell written with any framework would.
import { mount } from '../embed/secrets-section.js';

const form = document.getElementById('shell-controls');
const companyInput = document.getElementById('shell-company');
const themeSelect = document.getElementById('shell-theme');
const mountButton = document.getElementById('shell-mount');
const unmountButton = document.getElementById('shell-unmount');
const status = document.getElementById('shell-status');
const host = document.getElementById('secrets-host');

/** The handle of the mounted section, or null. */
let section = null;

function unmountSection() {
  section?.unmount();
  section = null;
}

function showState(message) {
  status.textContent = message;
  unmountButton.disabled = section === null;
  mountButton.textContent = section === null ? 'Mount section' : 'Mount again';
}

// Mount, or unmount and mount again with the form's company and theme.
// The shell owns sign-in, so the section shows no Sign out button and
// uses the session cookie of this origin.
form.addEventListener('submit', (event) => {
  event.preventDefault();
  unmountSection();
  const company = companyInput.value.trim();
  try {
    section = mount(host, { company, theme: themeSelect.value });
    showState(`Mounted the Secrets section of ${company}.`);
  } catch (error) {
    showState(error.message);
  }
});

unmountButton.addEventListener('click', () => {
  unmountSection();
  showState('Unmounted the Secrets section.');
});

// The theme changes in place, so nothing typed into the section is lost.
themeSelect.addEventListener('change', () => {
  section?.setTheme(themeSelect.value);
});

const company = new URLSearchParams(window.location.search).get('company');
if (company) {
  companyInput.value = company;
  form.requestSubmit();
}

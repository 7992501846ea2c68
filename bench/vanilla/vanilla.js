// The Secrets section's main screen without a framework. It loads the
// company's list, checks the add form as the owner types, and seals each
// value to the company's public key in the browser before saving it. It
// sends the SPA's requests and shows the SPA's messages. Like the SPA's
// standalone page, it authenticates with the session cookie of a login
// link, so every request goes to the page's own origin.
//
// Left out, because the benchmarks do not use them: the activity list,
// Import from .env, editing a description, Sign out, splitting a pasted
// KEY=value line, and the named messages for invisible and look-alike
// characters in a key (such a key gets the general key rule instead).
'use strict';

(() => {
  const KEY_MAX_CHARS = 64;
  const VALUE_MAX_BYTES = 32768;
  const DESCRIPTION_MAX_CHARS = 200;
  const MAX_SECRETS_PER_COMPANY = 50;

  const INVALID_KEY_MESSAGE = 'Use A-Z, 0-9, and underscores. Must start with a letter.';
  const RESERVED_KEY_MESSAGE =
    'This key is reserved: as an environment variable it would change how the programs of a task run, like PATH or LD_PRELOAD do. Choose another key.';
  const DUPLICATE_KEY_MESSAGE = 'A secret with this key already exists.';

  // Keys that new secrets may not have, as in crates/secrets-core/src/key.rs.
  const RESERVED_KEYS = new Set([
    'BASH_ENV', 'BASHOPTS', 'CDPATH', 'ENV', 'GLOBIGNORE', 'HOME', 'IFS', 'LANG', 'LANGUAGE', 'LOGNAME',
    'OLDPWD', 'PATH', 'PROMPT_COMMAND', 'PS1', 'PS2', 'PS3', 'PS4', 'PWD', 'SHELL', 'SHELLOPTS', 'TERM',
    'TMPDIR', 'TZ', 'USER', 'BROWSER', 'EDITOR', 'LESSCLOSE', 'LESSOPEN', 'MANPAGER', 'PAGER', 'SSH_ASKPASS',
    'SSH_AUTH_SOCK', 'VISUAL', 'ALL_PROXY', 'CURL_CA_BUNDLE', 'FTP_PROXY', 'HTTP_PROXY', 'HTTPS_PROXY',
    'NO_PROXY', 'REQUESTS_CA_BUNDLE', 'SSL_CERT_DIR', 'SSL_CERT_FILE', 'CLASSPATH', 'GEM_HOME', 'GEM_PATH',
    'GOFLAGS', 'GOPATH', 'JAVA_TOOL_OPTIONS', 'JDK_JAVA_OPTIONS', 'NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS',
    'NODE_PATH', 'NODE_TLS_REJECT_UNAUTHORIZED', 'PERL5LIB', 'PERL5OPT', 'PERLLIB', 'PYTHONBREAKPOINT',
    'PYTHONHOME', 'PYTHONINSPECT', 'PYTHONPATH', 'PYTHONSTARTUP', 'PYTHONUSERBASE', 'PYTHONWARNINGS',
    'RUBYLIB', 'RUBYOPT', 'RUSTC_WRAPPER', 'RUSTFLAGS', 'GIT_ASKPASS', 'GIT_DIR', 'GIT_EDITOR',
    'GIT_EXEC_PATH', 'GIT_EXTERNAL_DIFF', 'GIT_PAGER', 'GIT_PROXY_COMMAND', 'GIT_SSH', 'GIT_SSH_COMMAND',
    'GIT_TEMPLATE_DIR', 'GIT_WORK_TREE',
  ]);
  const RESERVED_PREFIXES = [
    'BASH_FUNC_', 'DYLD_', 'GCONV_', 'GIT_CONFIG', 'GLIBC_', 'LC_', 'LD_', 'MALLOC_', 'NPM_CONFIG_', 'SECRETS_',
  ];

  const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  const company = new URLSearchParams(window.location.search).get('company') ?? '';
  const apiBase = `/api/v1/companies/${encodeURIComponent(company)}`;

  const section = document.querySelector('.secrets-section');
  const form = section.querySelector('.secret-form');
  const fields = form.querySelector('.secret-form-fields');
  const keyInput = form.querySelector('#secret-key');
  const descriptionInput = form.querySelector('#secret-description');
  const saveButton = form.querySelector('.secret-save');
  const listArea = section.querySelector('.secrets-list-area');
  const counter = section.querySelector('.secrets-count');
  const notice = section.querySelector('.secrets-notice');
  const limitMessage = form.querySelector('.secret-form-limit');
  const formError = form.querySelector('#secret-form-error');
  // The value textarea is replaced after each save, so it is looked up.
  const valueInput = () => form.querySelector('#secret-value');

  const state = {
    // Loaded metadata sorted by key, or null before the list has loaded.
    secrets: null,
    limit: MAX_SECRETS_PER_COMPANY,
    keyTouched: false,
    valueTouched: false,
    saving: false,
    // The company's public key, { keyId, publicKey }, after the first save.
    sealingKey: null,
  };

  /** Error of an API call, whose message is the sentence the owner reads. */
  class ApiError extends Error {
    constructor(message, { status = 0, code = null } = {}) {
      super(message);
      this.status = status;
      this.code = code;
    }
  }

  // ---- Requests ----

  /**
   * Sends a request to the company's API path and returns the decoded JSON
   * body, or null for 204. Throws an ApiError with the SPA's messages.
   */
  async function requestJson(method, path, body) {
    let response;
    try {
      response = await fetch(apiBase + path, {
        method,
        // Responses carry secret metadata, so the HTTP cache must not keep them.
        cache: 'no-store',
        headers: body === undefined ? { Accept: 'application/json' } : { Accept: 'application/json', 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError('Could not reach the server. Check your connection and try again.');
    }
    if (response.ok) {
      return response.status === 204 ? null : response.json();
    }

    let errorBody = null;
    try {
      errorBody = await response.json();
    } catch {
      // The error response has no JSON body, so the status decides the message.
    }
    const status = response.status;
    if (status === 401) {
      throw new ApiError('Your session has ended. Open a new login link to sign in again.', { status });
    }
    if (status === 404) {
      throw new ApiError('This company or secret was not found, or you no longer have access to it.', { status });
    }
    if (status >= 400 && status < 500 && errorBody && typeof errorBody.message === 'string') {
      throw new ApiError(errorBody.message, { status, code: errorBody.code });
    }
    throw new ApiError(`The server could not complete the request (HTTP status ${status}). Try again in a moment.`, { status });
  }

  /** Returns the company's public key, fetched once and then cached. */
  async function sealingKey() {
    if (state.sealingKey === null) {
      const body = await requestJson('GET', '/public-key');
      const publicKey = base64ToBytes(body.public_key);
      if (publicKey.length !== nacl.box.publicKeyLength) {
        throw new ApiError('The server sent a response that this page could not read. Reload the page and try again.');
      }
      state.sealingKey = { keyId: body.key_id, publicKey };
    }
    return state.sealingKey;
  }

  /**
   * Seals `value` and creates the secret. When the server rejects the key
   * as stale (409 stale_public_key), fetches the current key and tries once
   * more, as the SPA does.
   */
  async function createSecret(key, value, description) {
    for (let attempt = 1; ; attempt += 1) {
      const { keyId, publicKey } = await sealingKey();
      const body = { key, sealed_value: seal(value, publicKey), key_id: keyId, description };
      try {
        return await requestJson('POST', '/secrets', body);
      } catch (error) {
        if (error.code !== 'stale_public_key' || attempt === 2) throw error;
        state.sealingKey = null;
      }
    }
  }

  // ---- Sealing ----

  /**
   * Seals `plaintext` to `recipientPublicKey` in the format of libsodium's
   * crypto_box_seal: an ephemeral X25519 public key, then the
   * XSalsa20-Poly1305 box of the value, with the nonce
   * BLAKE2b-192(ephemeral public key || recipient public key). Returns
   * standard base64.
   */
  function seal(plaintext, recipientPublicKey) {
    const message = new TextEncoder().encode(plaintext);
    const ephemeral = nacl.box.keyPair();
    const nonce = blakejs.blake2b(concatBytes(ephemeral.publicKey, recipientPublicKey), undefined, nacl.box.nonceLength);
    const boxed = nacl.box(message, nonce, recipientPublicKey, ephemeral.secretKey);
    ephemeral.secretKey.fill(0);
    message.fill(0);
    return bytesToBase64(concatBytes(ephemeral.publicKey, boxed));
  }

  function concatBytes(first, second) {
    const joined = new Uint8Array(first.length + second.length);
    joined.set(first, 0);
    joined.set(second, first.length);
    return joined;
  }

  function bytesToBase64(bytes) {
    let binary = '';
    // Chunks keep the argument list of fromCharCode short.
    for (let start = 0; start < bytes.length; start += 8192) {
      binary += String.fromCharCode(...bytes.subarray(start, start + 8192));
    }
    return btoa(binary);
  }

  function base64ToBytes(text) {
    const binary = atob(text);
    const bytes = new Uint8Array(binary.length);
    for (let index = 0; index < binary.length; index += 1) {
      bytes[index] = binary.charCodeAt(index);
    }
    return bytes;
  }

  // ---- Field rules ----

  /** Returns the key rule that `key` breaks, or null for a valid new key. */
  function keyError(key) {
    if (key === '') return 'Enter a key.';
    if (!/^[A-Z][A-Z0-9_]*$/.test(key)) return INVALID_KEY_MESSAGE;
    if (key.length > KEY_MAX_CHARS) {
      return `Keys can be at most ${KEY_MAX_CHARS} characters long. This one has ${key.length}.`;
    }
    if (RESERVED_KEYS.has(key) || RESERVED_PREFIXES.some((prefix) => key.startsWith(prefix))) {
      return RESERVED_KEY_MESSAGE;
    }
    return null;
  }

  function isDuplicate(key) {
    return state.secrets !== null && state.secrets.some((secret) => secret.key === key);
  }

  /** Returns the message under the key field; "Enter a key." waits for a touch. */
  function keyMessage(key) {
    const error = keyError(key);
    if (key === '' && !state.keyTouched) return '';
    if (error !== null) return error;
    return isDuplicate(key) ? DUPLICATE_KEY_MESSAGE : '';
  }

  /** Returns the value rule that `value` breaks, or null. */
  function valueError(value) {
    if (value === '') return 'Enter a value.';
    const bytes = new TextEncoder().encode(value).length;
    if (bytes > VALUE_MAX_BYTES) {
      return `Values can be at most 32,768 bytes (32 KB). This one has ${bytes.toLocaleString('en-US')} bytes.`;
    }
    const nul = value.indexOf('\0');
    if (nul !== -1) {
      const position = [...value.slice(0, nul)].length + 1;
      return `Values cannot contain the NUL character (found at character ${position}), because tasks receive values as environment variables, which cannot hold it.`;
    }
    return null;
  }

  function valueMessage(value) {
    if (value === '' && !state.valueTouched) return '';
    return valueError(value) ?? '';
  }

  /** Returns the description rule that `text` breaks, or null. */
  function descriptionError(text) {
    if (/[\p{Cc}\u2028\u2029]/u.test(text)) {
      return 'Descriptions are one line of text. Remove line breaks and control characters.';
    }
    if (/[\u202A-\u202E\u2066-\u2069]/u.test(text)) {
      return "Descriptions can't contain text-direction control characters (U+202A to U+202E, U+2066 to U+2069).";
    }
    const length = [...text].length;
    if (length > DESCRIPTION_MAX_CHARS) {
      return `Descriptions can be at most ${DESCRIPTION_MAX_CHARS} characters long. This one has ${length}.`;
    }
    return null;
  }

  function atLimit() {
    return state.secrets !== null && state.secrets.length >= state.limit;
  }

  function canSave() {
    const key = keyInput.value;
    return (
      keyError(key) === null &&
      !isDuplicate(key) &&
      valueError(valueInput().value) === null &&
      descriptionError(descriptionInput.value) === null &&
      !atLimit() &&
      !state.saving
    );
  }

  // ---- Rendering ----

  /** Sets the text of `element` only when it changes, to spare the DOM. */
  function setText(element, text) {
    if (element.textContent !== text) element.textContent = text;
  }

  /** Writes every message, the counter and the Save button's state. */
  function updateForm() {
    const key = keyInput.value;
    const description = descriptionInput.value;
    setText(form.querySelector('#secret-key-message'), keyMessage(key));
    setText(form.querySelector('#secret-value-message'), valueMessage(valueInput().value));
    setText(form.querySelector('#secret-description-message'), descriptionError(description) ?? '');
    setText(form.querySelector('#secret-description-count'), `Optional. ${[...description].length} / ${DESCRIPTION_MAX_CHARS}`);
    if (keyMessage(key) === '') {
      keyInput.removeAttribute('aria-invalid');
    } else {
      keyInput.setAttribute('aria-invalid', 'true');
    }
    saveButton.disabled = !canSave();
    fields.disabled = atLimit();
    limitMessage.hidden = !atLimit();
    setText(limitMessage, `This company already has ${MAX_SECRETS_PER_COMPANY} secrets. Delete a secret to add another.`);
    if (state.secrets !== null) {
      counter.hidden = false;
      setText(counter, `${state.secrets.length} of ${state.limit}`);
    }
  }

  /** Builds an element with attributes and children (nodes or text). */
  function element(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, value);
    node.append(...children);
    return node;
  }

  /** Formats the date of an RFC 3339 timestamp as `Dec 4, 2025`, else returns it unchanged. */
  function formatDate(timestamp) {
    const match = /^(\d{4})-(\d{2})-(\d{2})/.exec(timestamp);
    const month = match ? Number(match[2]) : 0;
    const day = match ? Number(match[3]) : 0;
    if (month < 1 || month > 12 || day < 1 || day > 31) return timestamp;
    return `${MONTHS[month - 1]} ${day}, ${match[1]}`;
  }

  function timeElement(timestamp) {
    return element('time', { datetime: timestamp, title: timestamp }, formatDate(timestamp));
  }

  function rowElement(secret) {
    const details = element('div', { class: 'secret-row-details' }, element('code', { class: 'secret-row-key' }, secret.key));
    if (secret.description !== '') {
      details.append(element('p', { class: 'secret-row-description' }, secret.description));
    }
    const origin = element('p', { class: 'secret-row-origin' }, 'Added ', timeElement(secret.created_at));
    if (secret.created_by !== '') origin.append(` by ${secret.created_by}`);
    const lastUsed = secret.last_used_at
      ? element('p', { class: 'secret-row-last-used' }, 'Last used ', timeElement(secret.last_used_at))
      : element('p', { class: 'secret-row-last-used' }, 'Never used');
    details.append(origin, lastUsed, element('p', { class: 'secret-row-error', role: 'alert' }));

    const deleteButton = element('button', { type: 'button', class: 'secret-row-delete', 'aria-label': `Delete ${secret.key}` }, 'Delete');
    return element('li', { class: 'secret-row', 'data-key': secret.key }, details, element('div', { class: 'secret-row-actions' }, deleteButton));
  }

  function emptyElement() {
    return element(
      'p',
      { class: 'secrets-empty' },
      'No secrets yet. ',
      element('span', { class: 'secrets-empty-hint' }, 'Add the first one with the form below; agents receive it from the next task on.'),
    );
  }

  /** Replaces the list area with every loaded row, or the empty state. */
  function renderList() {
    if (state.secrets.length === 0) {
      listArea.replaceChildren(emptyElement());
      return;
    }
    const list = element('ul', { class: 'secret-list' });
    list.append(...state.secrets.map(rowElement));
    listArea.replaceChildren(list);
  }

  /** Inserts or replaces the row of `secret` in place, keeping the order by key. */
  function insertRow(secret) {
    state.secrets = state.secrets.filter((existing) => existing.key !== secret.key);
    const index = state.secrets.findIndex((existing) => existing.key > secret.key);
    const position = index === -1 ? state.secrets.length : index;
    state.secrets.splice(position, 0, secret);

    let list = listArea.querySelector('.secret-list');
    if (list === null) {
      renderList();
      return;
    }
    list.querySelector(`li[data-key="${secret.key}"]`)?.remove();
    list.insertBefore(rowElement(secret), list.children[position] ?? null);
  }

  function removeRow(key) {
    state.secrets = state.secrets.filter((secret) => secret.key !== key);
    const row = listArea.querySelector(`li[data-key="${key}"]`);
    if (state.secrets.length === 0) {
      renderList();
    } else {
      row?.remove();
    }
  }

  // ---- Actions ----

  async function loadList() {
    listArea.replaceChildren(element('p', { class: 'secrets-loading' }, 'Loading secrets…'));
    try {
      const body = await requestJson('GET', '/secrets');
      state.secrets = body.secrets;
      state.limit = body.limit;
      renderList();
    } catch (error) {
      const retry = element('button', { type: 'button', class: 'secrets-load-retry' }, 'Try again');
      retry.addEventListener('click', loadList);
      listArea.replaceChildren(
        element('div', { class: 'secrets-load-error', role: 'alert' }, element('p', {}, 'The secrets could not be loaded.'), element('p', {}, error.message), retry),
      );
    }
    updateForm();
  }

  async function save() {
    const key = keyInput.value;
    const value = valueInput().value;
    const description = descriptionInput.value;
    state.saving = true;
    saveButton.setAttribute('aria-busy', 'true');
    for (const field of [keyInput, valueInput(), descriptionInput]) field.readOnly = true;
    updateForm();

    try {
      const metadata = await createSecret(key, value, description);
      setText(notice, `${metadata.key} was added.`);
      insertRow(metadata);
      // A new textarea, because the old one's undo history contains the value.
      const freshValue = valueInput().cloneNode(false);
      freshValue.value = '';
      valueInput().replaceWith(freshValue);
      keyInput.value = '';
      descriptionInput.value = '';
      state.keyTouched = false;
      state.valueTouched = false;
    } catch (error) {
      setText(formError, error.message);
      // A taken key or the limit means that the loaded list is out of date.
      if (error.code === 'duplicate_key' || error.code === 'limit_reached') loadList();
    } finally {
      state.saving = false;
      saveButton.removeAttribute('aria-busy');
      for (const field of [keyInput, valueInput(), descriptionInput]) field.readOnly = false;
      updateForm();
    }
  }

  async function deleteSecret(button) {
    const row = button.closest('.secret-row');
    const key = row.dataset.key;
    button.disabled = true;
    try {
      await requestJson('DELETE', `/secrets/${encodeURIComponent(key)}`);
      setText(notice, `${key} was deleted.`);
      removeRow(key);
    } catch (error) {
      if (error.status !== 404) {
        setText(row.querySelector('.secret-row-error'), error.message);
        button.disabled = false;
        return;
      }
      setText(notice, `${key} was already deleted.`);
      removeRow(key);
    }
    updateForm();
  }

  // ---- Handlers ----

  form.addEventListener('input', (event) => {
    setText(formError, '');
    if (event.target === keyInput) {
      // Uppercase a-z as typed and keep the caret, which stays valid because
      // uppercasing ASCII keeps the length.
      const typed = keyInput.value;
      const uppercased = typed.replace(/[a-z]+/g, (letters) => letters.toUpperCase());
      if (uppercased !== typed) {
        const { selectionStart, selectionEnd } = keyInput;
        keyInput.value = uppercased;
        keyInput.setSelectionRange(selectionStart, selectionEnd);
      }
    }
    updateForm();
  });
  form.addEventListener('focusout', (event) => {
    if (event.target === keyInput) state.keyTouched = true;
    if (event.target === valueInput()) state.valueTouched = true;
    updateForm();
  });
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    if (state.saving) return;
    state.keyTouched = true;
    state.valueTouched = true;
    updateForm();
    if (!canSave()) {
      (keyMessage(keyInput.value) !== '' ? keyInput : valueInput()).focus();
      return;
    }
    save();
  });
  listArea.addEventListener('click', (event) => {
    const button = event.target.closest('.secret-row-delete');
    if (button !== null) deleteSecret(button);
  });

  // The handlers are attached, so typing is checked from here on.
  fields.disabled = false;
  updateForm();
  loadList();
})();

// Login screen.
import { h, mount } from '../dom.js';
import { t } from '../i18n.js';
import * as session from '../session.js';
import { errorBox } from '../common.js';

export function renderLogin(main, { onLogin }) {
  const username = h('input', { type: 'text', id: 'login-username', name: 'username', autocomplete: 'username', required: true, autofocus: true });
  const password = h('input', { type: 'password', id: 'login-password', name: 'password', autocomplete: 'current-password', required: true });
  const error = errorBox();
  const submit = h('button', { class: 'btn', type: 'submit', id: 'login-submit' }, t('login.submit'));
  const form = h(
    'form',
    {
      class: 'panel login',
      'aria-labelledby': 'login-title',
      onSubmit: async (ev) => {
        ev.preventDefault();
        error.clear();
        submit.disabled = true;
        try {
          await session.login(username.value.trim(), password.value);
          onLogin();
        } catch (err) {
          if (err.status === 401) error.show(t('login.invalid'));
          else if (err.status === 429) error.show(t('login.rateLimited'));
          else error.show(err);
          password.select();
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h1', { id: 'login-title' }, t('login.title')),
    h('p', { class: 'muted' }, t('login.intro')),
    h('label', { for: 'login-username' }, t('login.username')),
    username,
    h('label', { for: 'login-password' }, t('login.password')),
    password,
    error,
    h('div', { class: 'actions' }, submit),
  );
  mount(main, form);
  username.focus();
  return null;
}

// The shell: header (lab, user, language, sign out), navigation by role, and the screen the
// URL hash names. A skip link and real buttons and links keep it usable from the keyboard.
import { useEffect, useState } from 'react';
import type { ReactNode } from 'react';
import { useI18n } from './i18n.tsx';
import type { Language, MessageKey } from './i18n.tsx';
import { hasRole, useSession } from './session.tsx';
import { Account } from './screens/Account.tsx';
import { Libraries, Queue, Reviews, Work } from './screens/Analysis.tsx';
import { CaseDetail, Cases, Scan, Storage } from './screens/Intake.tsx';
import { DeadLetters } from './screens/DeadLetters.tsx';
import { Inventory } from './screens/Inventory.tsx';
import { Reports } from './screens/Reports.tsx';
import { SignIn } from './screens/SignIn.tsx';
import { Users } from './screens/Users.tsx';
import { Verify } from './screens/Verify.tsx';

function useHash(): string {
  const [hash, setHash] = useState(window.location.hash || '#/');
  useEffect(() => {
    const onChange = () => setHash(window.location.hash || '#/');
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return hash;
}

interface NavEntry {
  href: string;
  label: MessageKey;
  roles: string[];
}

const NAV: NavEntry[] = [
  { href: '#/cases', label: 'nav.cases', roles: ['technician', 'admin', 'investigator'] },
  { href: '#/scan', label: 'nav.scan', roles: ['technician', 'analyst', 'qa_manager'] },
  { href: '#/inventory', label: 'nav.inventory', roles: ['technician', 'analyst', 'qa_manager', 'admin'] },
  { href: '#/storage', label: 'nav.storage', roles: ['technician', 'admin'] },
  { href: '#/queue', label: 'nav.queue', roles: ['analyst'] },
  { href: '#/reviews', label: 'nav.reviews', roles: ['reviewer', 'qa_manager'] },
  { href: '#/libraries', label: 'nav.libraries', roles: ['qa_manager', 'admin'] },
  {
    href: '#/reports',
    label: 'nav.reports',
    roles: ['investigator', 'qa_manager', 'reviewer', 'analyst', 'technician', 'admin'],
  },
  { href: '#/users', label: 'nav.users', roles: ['admin'] },
  { href: '#/dead-letters', label: 'nav.deadLetters', roles: ['admin'] },
  {
    href: '#/account',
    label: 'nav.account',
    roles: ['technician', 'analyst', 'reviewer', 'qa_manager', 'investigator', 'admin'],
  },
  {
    href: '#/verify',
    label: 'nav.verify',
    roles: ['technician', 'analyst', 'reviewer', 'qa_manager', 'investigator', 'admin'],
  },
];

function homeOf(roles: string[]): string {
  if (roles.includes('admin')) return '#/users';
  if (roles.includes('technician')) return '#/cases';
  if (roles.includes('analyst')) return '#/queue';
  if (roles.includes('reviewer') || roles.includes('qa_manager')) return '#/reviews';
  return '#/reports';
}

function LanguageSwitch() {
  const { lang, setLang, t } = useI18n();
  return (
    <div className="lang" role="group" aria-label={t('lang.label')}>
      {(['ru', 'en'] as Language[]).map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          aria-pressed={lang === l}
          className={lang === l ? 'active' : ''}
          onClick={() => setLang(l)}
        >
          {t(`lang.${l}` as MessageKey)}
        </button>
      ))}
    </div>
  );
}

function Screen({ hash }: { hash: string }): ReactNode {
  const [, first = '', second] = hash.replace(/^#/, '').split('/');
  const id = second === undefined ? undefined : decodeURIComponent(second);
  switch (first) {
    case 'cases':
      return id === undefined ? <Cases /> : <CaseDetail caseId={id} />;
    case 'scan':
      return <Scan key={id ?? ''} labNo={id} />;
    case 'inventory':
      return <Inventory />;
    case 'dead-letters':
      return <DeadLetters />;
    case 'storage':
      return <Storage />;
    case 'libraries':
      return <Libraries />;
    case 'queue':
      return <Queue />;
    case 'work':
      return id === undefined ? <Queue /> : <Work workItemId={id} />;
    case 'reviews':
      return <Reviews />;
    case 'reports':
      return <Reports />;
    case 'users':
      return <Users />;
    case 'account':
      return <Account />;
    case 'verify':
      return <Verify />;
    default:
      return undefined;
  }
}

export function App() {
  const { t } = useI18n();
  const { user, ready, signOut, config } = useSession();
  const hash = useHash();

  useEffect(() => {
    if (user !== undefined && (hash === '#/' || hash === '#'))
      window.location.hash = user.mustChangePassword ? '#/account' : homeOf(user.roles);
  }, [user, hash]);

  if (!ready) return <p role="status">{t('common.loading')}</p>;
  const publicVerify = hash.startsWith('#/verify');

  return (
    <>
      {/* The router owns the URL hash: move focus to the content without changing the route. */}
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault();
          document.getElementById('main')?.focus();
        }}
      >
        {t('common.skip')}
      </a>
      <header>
        <span className="brand">Tamga · {config?.lab ?? ''}</span>
        {user !== undefined && (
          <nav aria-label={t('nav.label')}>
            <ul>
              {NAV.filter((n) => hasRole(user, ...n.roles)).map((n) => (
                <li key={n.href}>
                  <a href={n.href} aria-current={hash.startsWith(n.href) ? 'page' : undefined}>
                    {t(n.label)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <LanguageSwitch />
        {user !== undefined && (
          <span className="who">
            {user.name} ({user.roles.map((r) => t(`role.${r}` as MessageKey)).join(', ')})
            <button type="button" className="secondary" onClick={() => void signOut()}>
              {t('nav.signOut')}
            </button>
          </span>
        )}
      </header>
      <main id="main" tabIndex={-1}>
        {user === undefined ? publicVerify ? <Verify /> : <SignIn /> : <Screen hash={hash} />}
      </main>
    </>
  );
}

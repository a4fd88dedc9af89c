/**
 * The organization picker: a modal list of the orgs this person may enter, searchable by code or
 * name. Focus stays in the search box; arrows move the highlight (aria-activedescendant), Enter
 * switches, Escape closes.
 */
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent } from "react";
import { useBackend } from "../../backendContext";
import { useAppActions } from "../../appContext";
import type { OrgChoice } from "../../bindings/OrgChoice";
import type { SessionView } from "../../bindings/SessionView";
import { paneErrorView, switchErrorView } from "../../logic/errors";
import { filterOrgs, initialHighlight, noMatchMessage, pickerKey } from "../../logic/picker";
import { orgTypeLabel } from "../../logic/roles";
import { CloseButton } from "../common/CloseButton";
import { InlineError } from "../common/ErrorBanner";
import { CheckIcon, SearchIcon } from "../common/Icons";
import { NewOrgForm } from "./NewOrgForm";
import { RoleBadge } from "./RoleBadge";

type Props = {
  onClose: () => void;
  onSwitched: (session: SessionView) => void;
  /** The account may create organizations (the core lists `org_create` among its global rights). */
  mayCreate: boolean;
};

type Message = { message: string; hint: string | null };

export function OrgPicker({ onClose, onSwitched, mayCreate }: Props) {
  const backend = useBackend();
  const { handleError } = useAppActions();
  const [orgs, setOrgs] = useState<OrgChoice[] | null>(null);
  const [loadError, setLoadError] = useState<Message | null>(null);
  const [query, setQuery] = useState("");
  const [highlight, setHighlight] = useState(0);
  const [switching, setSwitching] = useState<string | null>(null);
  const [switchError, setSwitchError] = useState<Message | null>(null);
  const [creating, setCreating] = useState(false);
  const dialogRef = useRef<HTMLDivElement>(null);
  const searchRef = useRef<HTMLInputElement>(null);
  const listRef = useRef<HTMLUListElement>(null);
  const baseId = useId();
  const titleId = `${baseId}-title`;
  const listId = `${baseId}-list`;
  const optionId = (code: string) => `${baseId}-org-${code}`;

  const results = useMemo(() => (orgs ? filterOrgs(orgs, query) : []), [orgs, query]);
  const highlighted = results[Math.min(highlight, results.length - 1)];

  async function loadOrgs() {
    try {
      const list = await backend.listOrgs();
      setOrgs(list);
      setLoadError(null);
      setHighlight(initialHighlight(filterOrgs(list, query)));
    } catch (caught) {
      setLoadError(paneErrorView(handleError(caught)));
    }
  }

  useEffect(() => {
    void loadOrgs();
    searchRef.current?.focus();
    // Load once per opening.
  }, []);

  useEffect(() => {
    if (!highlighted) return;
    const element = document.getElementById(optionId(highlighted.code));
    element?.scrollIntoView?.({ block: "nearest" });
  }, [highlighted]);

  async function choose(org: OrgChoice) {
    if (switching) return;
    if (org.active) {
      onClose();
      return;
    }
    setSwitching(org.code);
    setSwitchError(null);
    try {
      const session = await backend.switchOrg(org.code);
      onSwitched(session);
    } catch (caught) {
      const error = handleError(caught);
      setSwitchError(switchErrorView(error));
      setSwitching(null);
      if (error.code === "not_found") void loadOrgs();
    }
  }

  function onSearchChange(value: string) {
    setQuery(value);
    setSwitchError(null);
    const next = orgs ? filterOrgs(orgs, value) : [];
    setHighlight(value.trim() === "" ? initialHighlight(next) : 0);
  }

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === "Tab") {
      // Keep focus inside the dialog.
      const focusable = dialogRef.current?.querySelectorAll<HTMLElement>("input, select, button:not([disabled])");
      if (!focusable || focusable.length === 0) return;
      const first = focusable[0];
      const last = focusable[focusable.length - 1];
      if (event.shiftKey && document.activeElement === first) {
        event.preventDefault();
        last?.focus();
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault();
        first?.focus();
      }
      return;
    }
    const command = pickerKey(event.key, highlight, results.length);
    if (command.type === "none") return;
    event.preventDefault();
    event.stopPropagation();
    if (command.type === "close") onClose();
    else if (command.type === "move") setHighlight(command.index);
    else {
      const org = results[command.index];
      if (org) void choose(org);
    }
  }

  return (
    <div
      className="overlay"
      onMouseDown={(e) => {
        if (e.target === e.currentTarget) onClose();
      }}
    >
      <div
        ref={dialogRef}
        className="picker"
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        data-testid="org-picker"
        onKeyDown={onKeyDown}
      >
        <div className="picker-head">
          <h2 id={titleId}>Switch organization</h2>
          <span className="muted picker-count">
            {orgs ? `${results.length} of ${orgs.length}` : ""}
          </span>
          <CloseButton label="Close organization picker" onClick={onClose} />
        </div>
        <label className="search-field picker-search">
          <SearchIcon />
          <span className="sr-only">Search organizations by code or name</span>
          <input
            ref={searchRef}
            type="text"
            role="combobox"
            aria-expanded="true"
            aria-controls={listId}
            aria-autocomplete="list"
            aria-activedescendant={highlighted ? optionId(highlighted.code) : undefined}
            placeholder="Search by code or name"
            autoComplete="off"
            spellCheck={false}
            data-testid="org-picker-search"
            value={query}
            onChange={(e) => onSearchChange(e.target.value)}
          />
        </label>
        {loadError ? <InlineError message={loadError.message} hint={loadError.hint} /> : null}
        {switchError ? <InlineError message={switchError.message} hint={switchError.hint} testId="picker-error" /> : null}
        <ul ref={listRef} id={listId} className="picker-list" role="listbox" aria-labelledby={titleId}>
          {results.map((org, index) => {
            const isHighlighted = highlighted?.code === org.code;
            return (
              <li
                key={org.code}
                id={optionId(org.code)}
                role="option"
                aria-selected={isHighlighted}
                data-active={org.active ? "true" : undefined}
                data-testid={`org-option-${org.code}`}
                className={`picker-option${isHighlighted ? " is-highlighted" : ""}${org.active ? " is-active" : ""}`}
                onMouseMove={() => {
                  if (highlight !== index) setHighlight(index);
                }}
                onClick={() => void choose(org)}
              >
                <span className="picker-tick">
                  {org.active ? <CheckIcon label="Current organization" size={14} /> : null}
                </span>
                <span className="picker-code mono">
                  <span>{org.code}</span>
                </span>
                <span className="picker-name" title={org.name}>
                  <span>{org.name}</span>
                  {org.active ? <span className="picker-current"> · current</span> : null}
                  {switching === org.code ? <span className="picker-busy"> · switching…</span> : null}
                </span>
                <span className="picker-type">{orgTypeLabel(org.orgType)}</span>
                <RoleBadge role={org.role} readOnly={org.readOnly} />
              </li>
            );
          })}
        </ul>
        {orgs === null && !loadError ? (
          <p className="picker-empty" role="status">
            Loading organizations…
          </p>
        ) : null}
        {orgs !== null && orgs.length === 0 ? (
          <p className="picker-empty">
            {mayCreate
              ? "There is no organization yet. Create the first one below."
              : "You are not a member of any organization yet. Ask an owner or admin to add you."}
          </p>
        ) : null}
        {orgs !== null && orgs.length > 0 && results.length === 0 ? (
          <p className="picker-empty" role="status" data-testid="org-picker-no-match">
            {noMatchMessage(query)}
          </p>
        ) : null}
        {mayCreate ? (
          creating ? (
            <NewOrgForm
              onCreated={onSwitched}
              onCancel={() => {
                setCreating(false);
                searchRef.current?.focus();
              }}
            />
          ) : (
            <div className="picker-create">
              <button type="button" className="button quiet small" onClick={() => setCreating(true)} data-testid="new-org-open">
                New organization…
              </button>
            </div>
          )
        ) : null}
        <footer className="picker-foot" aria-hidden="true">
          <span>
            <kbd className="kbd">↑</kbd> <kbd className="kbd">↓</kbd> move
          </span>
          <span>
            <kbd className="kbd">Enter</kbd> switch
          </span>
          <span>
            <kbd className="kbd">Esc</kbd> close
          </span>
        </footer>
      </div>
    </div>
  );
}

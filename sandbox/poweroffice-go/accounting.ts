/**
 * The client's accounting setup as the API reads it: `GET /VatCodes` (filters isActive,
 * includeExpired), `GET /GeneralLedgerAccounts` (accountNos with ranges, lastChanged…)
 * and `/{id}`, `GET /VatSettings`. The setup itself is in client-setup.ts; accounts and
 * VAT codes can be added through the admin API. Creating, changing or deleting accounts
 * through the API is not modelled.
 */
import { after } from './customers.ts';
import { osloToday } from './dates.ts';
import { renderDto } from './domain.ts';
import { notFoundById } from './problem.ts';
import { numberFilter, type Query } from './query.ts';
import { SCHEMAS } from './schemas.ts';
import type { PowerOfficeState, Rec } from './state.ts';

export function renderVatCode(rec: Rec): Rec {
  return renderDto(SCHEMAS.vatcode.properties, rec);
}

/** Expired = ValidTo before today; hidden unless includeExpired=true. */
export function filterVatCodes(state: PowerOfficeState, q: Query): Rec[] {
  const active = q.bool('isActive');
  const includeExpired = q.bool('includeExpired') === true;
  const today = osloToday();
  return [...state.vatCodes.values()].filter((v) => {
    if (active !== undefined && (v.IsActive === true) !== active) return false;
    if (!includeExpired && typeof v.ValidTo === 'string' && v.ValidTo < today) return false;
    return true;
  });
}

export function renderAccount(state: PowerOfficeState, rec: Rec): Rec {
  const out = renderDto(SCHEMAS.generalledgeraccount.properties, rec);
  out.VatCode = (state.vatCodes.get(String(rec.VatCodeId))?.Code as string | undefined) ?? null;
  return out;
}

export function getAccount(state: PowerOfficeState, id: string): Rec {
  const rec = state.accounts.get(id);
  if (!rec) throw notFoundById('General ledger account', id);
  return rec;
}

export function filterAccounts(state: PowerOfficeState, q: Query): Rec[] {
  const nos = q.list('accountNos');
  const byNo = nos ? numberFilter(nos, 'accountNos') : undefined;
  const departments = q.list('agricultureDepartments')?.map((d) => d.toLowerCase());
  const changedAfter = q.timestamp('lastChangedDateTimeOffsetGreaterThan');
  return [...state.accounts.values()]
    .filter((a) => {
      if (byNo && !byNo(a.AccountNo)) return false;
      if (departments && !departments.includes(String(a.AgricultureDepartment).toLowerCase())) return false;
      if (changedAfter !== undefined && !after(a.LastChangedDateTimeOffset, changedAfter)) return false;
      return true;
    })
    .sort((a, b) => Number(a.AccountNo) - Number(b.AccountNo));
}

export function renderVatSettings(state: PowerOfficeState): Rec {
  return renderDto(SCHEMAS.vatsettings.properties, state.vatSettings);
}

/**
 * Behaviours of the real service the sandbox enforces, where a mapping that works today
 * may need to change before it passes them (docs/poweroffice-go.md, "Strict rules"). Each
 * is on by default unless that would refuse what the shipped mappings send today; all can
 * be set at start (`rules` option) or through `PUT /__admin/settings`.
 */
export interface Rules {
  /**
   * A person (`IsPerson: true`) needs FirstName AND LastName, as the API documents ("relevant
   * and required"). Off: one of the two is enough (the sandbox's old, lenient behaviour).
   */
  strictPersons: boolean;
  /**
   * A company's OrganizationNumber, when the company is Norwegian (address country NO or
   * none), must be 9 digits with a valid mod-11 check digit. Not documented by the vendor;
   * the sandbox takes the strict reading.
   */
  organizationNumberCheck: boolean;
  /**
   * A sales order in a foreign currency needs a CurrencyExchangeRate before it can be
   * invoiced. What Go does without one is not documented; the strict reading refuses.
   * Off: Go's own (ECB) rate of the invoice date is used.
   */
  requireExchangeRate: boolean;
  /**
   * Refuse currencies that are not active on the client. The vendor documents that
   * "active" only matters in the GUI and the API accepts any currency Go knows, so this is
   * off by default; unknown currency codes are always refused.
   */
  activeCurrenciesOnly: boolean;
  /**
   * The integration holds the invoice-sending privilege. Off: createAndSendInvoice answers
   * 403, as it does for an integration PowerOffice has not enabled for sending.
   */
  invoiceSendingPrivilege: boolean;
  /**
   * PATCH applies RFC 6902 `test` ops (ASP.NET Core JsonPatch does since 2.2): a failed one
   * answers 400 "The current value … is not equal to the test value …" and applies nothing.
   * Whether Go's endpoints do is not documented. Off: a patch with a `test` op is refused
   * with 400 "…PatchDto: The test operation is not supported.", as an older JsonPatch would.
   */
  jsonPatchTest: boolean;
}

export const defaultRules = (): Rules => ({
  strictPersons: true,
  organizationNumberCheck: true,
  requireExchangeRate: true,
  activeCurrenciesOnly: false,
  invoiceSendingPrivilege: true,
  jsonPatchTest: true,
});

/**
 * createAndSendInvoice is asynchronous: the request is queued (202) and `sentState` reports
 * `IsInvoiceBeingProcessed: true` until Go has posted and delivered the invoice. The
 * sandbox finishes a request after `pollsUntilDone` status polls or `processingMs`,
 * whichever comes first, so tests can drive it by polling without racing a timer.
 */
export interface InvoicingSettings {
  pollsUntilDone: number;
  processingMs: number;
  /** When set, deliveries fail with this message (LastErrorMessage) and nothing is posted. */
  deliveryFailure: string | null;
}

export const defaultInvoicing = (): InvoicingSettings => ({
  pollsUntilDone: 2,
  processingMs: 2000,
  deliveryFailure: null,
});

/** Norwegian organisation numbers: shared with the WooCommerce sandbox (sandbox/common). */
export { validOrganizationNumber } from '../common/org-number.ts';

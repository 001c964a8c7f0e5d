// The files Berth writes into DATA_DIR when the setting they stand for is unset, named once here
// so that the code that writes each one and the start-up greeting that points to it agree.

/** The first access key, generated at first start, in the AWS shared-credentials format. */
export const CREDENTIALS_FILE = 'credentials';
/** The admin API's bearer token, when `ADMIN_TOKEN` is unset. */
export const ADMIN_TOKEN_FILE = 'admin.token';
/** The key that encrypts secrets at rest, when `MASTER_KEY` is unset. */
export const MASTER_KEY_FILE = 'master.key';

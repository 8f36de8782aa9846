/** What the app says when the administrator's policy exists but could not be read (everything stays locked). */
export const policyUnreadableMessage =
  'Settings are locked by your administrator’s policy, which could not be read. Ask your administrator to fix it.';

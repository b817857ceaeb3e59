/** The parameters of a Beckn `Signature` header (Authorization or X-Gateway-Authorization). */
export interface AuthorizationParams {
  subscriberId: string;
  uniqueKeyId: string;
  algorithm: string;
  created: number;
  expires: number;
  headers: string;
  signature: string;
}

export const supportedAlgorithm = 'ed25519';
export const signedHeaders = '(created) (expires) digest';

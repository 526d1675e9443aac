import type { AmiRequest, OperationParams } from '../../src/domain/request.js';

export const NOW = new Date('2026-11-21T12:00:00Z');

const HOUR = 3_600_000;

/** A pending share request in `prod`, filed by U_REQ an hour before NOW, expiring 23 h after NOW. */
export function aRequest(overrides: Partial<AmiRequest> = {}): AmiRequest {
  const params: OperationParams = overrides.params ?? {
    kind: 'share',
    targets: [{ kind: 'account', accountId: '222222222222' }],
  };
  return {
    id: 'req-k3j9x0a2b1',
    kind: params.kind,
    params,
    imageId: 'ami-0abc1234def567890',
    image: { name: 'team-base-2026-11', sizeGiB: 30, monthlyCostUsd: 1.5, encrypted: true, public: false },
    requester: 'UREQ0001',
    account: 'prod',
    accountId: '123456789012',
    region: 'us-east-1',
    state: 'pending',
    createdAt: new Date(NOW.getTime() - HOUR).toISOString(),
    updatedAt: new Date(NOW.getTime() - HOUR).toISOString(),
    expiresAt: new Date(NOW.getTime() + 23 * HOUR).toISOString(),
    approvalsNeeded: 1,
    approvals: [],
    warnings: [],
    ...overrides,
  };
}

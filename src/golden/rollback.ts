import type { AccountConfig } from '../config.js';
import type { Deps } from '../deps.js';
import { type GoldenFamily, parameterName, previousParameterName } from '../domain/golden.js';
import type { AmiRequest, RequestResult, RollbackRegionPlan } from '../domain/request.js';
import { AppError, toAppError } from '../errors.js';

/**
 * The plan of `/ami rollback <family>`: in every region of the family, the parameter's current
 * image and the one kept at `…/previous`. A region without a previous image, or where both are the
 * same, cannot be rolled back, and neither can the family.
 */
export async function prepareRollback(
  deps: Deps,
  account: AccountConfig,
  family: GoldenFamily,
): Promise<RollbackRegionPlan[]> {
  const plans: RollbackRegionPlan[] = [];
  const problems: string[] = [];
  for (const region of family.regions) {
    const parameter = parameterName(family, region);
    const values = await deps.ssm.getMany(account, region, [parameter, previousParameterName(parameter)]);
    const current = values.get(parameter);
    const previous = values.get(previousParameterName(parameter));
    if (!current) problems.push(`\`${region}\`: \`${parameter}\` is not set (nothing was promoted there)`);
    else if (!previous || previous === current)
      problems.push(`\`${region}\`: there is no previous image to go back to`);
    else plans.push({ region, parameter, current, previous });
  }
  if (problems.length > 0) {
    throw new AppError(
      'conflict',
      `Family \`${family.name}\` cannot be rolled back: ${problems.join('; ')}.`,
    );
  }
  return plans;
}

/**
 * Carries out an approved rollback, region by region: the previous image is un-deprecated, the
 * parameter points back at it (and `…/previous` at the image rolled back), and the rolled-back
 * image is deprecated. Idempotent: a region already pointing at the previous image only has its
 * deprecations made sure of. A region that fails does not stop the others.
 */
export async function executeRollback(
  deps: Deps,
  account: AccountConfig,
  request: AmiRequest,
): Promise<RequestResult> {
  if (request.params.kind !== 'rollback') throw new AppError('internal', 'not a rollback');
  const { family } = request.params;
  const lines: string[] = [];
  const failed: string[] = [];
  for (const plan of request.params.regions) {
    try {
      lines.push(await rollbackRegion(deps, account, family, plan));
    } catch (err) {
      const appErr = toAppError(err);
      if (appErr.retry) throw err;
      failed.push(plan.region);
      lines.push(`${plan.region}: failed — ${appErr.userMessage}`);
    }
  }
  if (failed.length > 0) {
    return {
      ok: false,
      summary: `Rollback of family \`${family}\` failed in ${failed.join(', ')}; file it again once fixed.`,
      details: lines,
    };
  }
  return {
    ok: true,
    summary: `Family \`${family}\` is back on ${request.params.regions.map((r) => `\`${r.previous}\` in ${r.region}`).join(', ')}.`,
    details: lines,
  };
}

async function rollbackRegion(
  deps: Deps,
  account: AccountConfig,
  family: string,
  plan: RollbackRegionPlan,
): Promise<string> {
  const { region, parameter, current, previous } = plan;
  const previousName = previousParameterName(parameter);
  const now = deps.clock().getTime();
  const value = await deps.ssm.get(account, region, parameter);
  if (value !== current && value !== previous) {
    throw new AppError(
      'conflict',
      `\`${parameter}\` now holds ${value ? `\`${value}\`` : 'nothing'}, not \`${current}\` as when the rollback was requested; nothing was changed there.`,
    );
  }
  await deps.changes.disableDeprecation(account, region, previous);
  if (value === current) {
    await deps.ssm.putImageId(
      account,
      region,
      previousName,
      current,
      `Image rolled back from (family ${family})`,
    );
    await deps.ssm.putImageId(
      account,
      region,
      parameter,
      previous,
      `Golden image of family ${family} (rolled back)`,
    );
  }
  const after = await deps.ssm.get(account, region, parameter);
  if (after !== previous) {
    throw new AppError('conflict', `SSM did not keep \`${previous}\` in \`${parameter}\`.`, { retry: true });
  }
  await deps.changes.enableDeprecation(account, region, current, new Date(now + 60_000));
  return `${region}: \`${parameter}\` → \`${previous}\` (un-deprecated); \`${current}\` deprecated`;
}

/**
 * The `/ami` command grammar: text → typed `Command`, or a friendly error with the usage line.
 * Importers use this file only; the folder is laid out so each concern has one place:
 *
 *   types.ts       SUBCOMMANDS and the command types (`Command`, `FindCommand`, …, `ShareTarget`)
 *   usage.ts       the one-line usage of each subcommand
 *   flags.ts       each subcommand's flags, and `rawInput` (parsed flags → schema input)
 *   validators.ts  field checks (`checkRegion`, `checkImageId`, …) returning `Checked<T>`;
 *                  formats come from ../ids.ts, architecture words from ../arch.ts
 *   fields.ts      zod building blocks: flag fields, positional arguments, shared flags
 *   schemas.ts     one zod schema per subcommand: schema input → typed command
 *   suggest.ts     "did you mean": edit distance, subcommand synonyms, known regions
 *   parser.ts      `parseCommand`: tokenize → subcommand → flags → schema
 *
 * Adding a subcommand (say `prune`); the compiler points at every place still missing it:
 *   1. types.ts: add `'prune'` to SUBCOMMANDS, a `PruneCommand` interface, and add it to `Command`.
 *   2. flags.ts: its entry in FLAGS (`{}` when it takes none; reuse WHERE_FLAGS for region/account).
 *   3. schemas.ts: a `pruneSchema` built from fields.ts and validators.ts, and its COMMAND_SCHEMAS entry.
 *   4. usage.ts: its USAGE line; ../help.ts: its help entry (summary, details, examples).
 *   5. commands/index.ts: a `case 'prune':` in `runCommand`.
 *   6. test/domain/grammar.test.ts: cases for what it accepts and what it refuses.
 */

export { FLAGS, rawInput } from './flags.js';
export { parseCommand } from './parser.js';
export { COMMAND_SCHEMAS } from './schemas.js';
export { editDistance, KNOWN_REGIONS, suggest } from './suggest.js';
export type {
  AccessCommand,
  Arch,
  AuditCommand,
  CancelCommand,
  Command,
  CommandOf,
  CopyCommand,
  CostCommand,
  CostDimension,
  DeprecateCommand,
  DeregisterCommand,
  DisableCommand,
  EnableCommand,
  EncryptCommand,
  ExpireCommand,
  ExpiringCommand,
  FindCommand,
  GoldenCommand,
  HelpCommand,
  JobsCommand,
  ListCommand,
  OrphansCommand,
  ParseResult,
  PromoteCommand,
  PruneCommand,
  RequestsCommand,
  RollbackCommand,
  ScanCommand,
  ShareCommand,
  ShareTarget,
  ShowCommand,
  Subcommand,
  UndeprecateCommand,
  UnshareCommand,
  UnusedCommand,
  WaiveCommand,
  When,
  WhyCommand,
} from './types.js';
export { COST_DIMENSIONS, isSubcommand, SUBCOMMANDS } from './types.js';
export { USAGE } from './usage.js';
export { type Checked, IMAGE_NAME_RE, OWNER_KEYWORDS } from './validators.js';

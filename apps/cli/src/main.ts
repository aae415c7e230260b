#!/usr/bin/env node
import { Command } from 'commander';
import { gradeCommand } from './commands/grade.command.js';

// A thin registry: each subcommand lives in ./commands/<name>.command.ts and is added here.
const program = new Command('aepo').description('AEPO fine-tuning service command line');
program.addCommand(gradeCommand());

await program.parseAsync(process.argv);

/**
 * What the incident service accepts, checked with zod before anything is
 * written: a bad input is a `ValidationError` naming the field.
 */
import { incidentSeverities, incidentStatuses, incidentTriggerTypes } from '@rtv/db';
import { z } from 'zod';
import { parseInput } from '../validation';

const NO_CONTROL = /^[^\p{Cc}]*$/u;
const id = z
  .string({ required_error: 'id is required', invalid_type_error: 'id must be a string' })
  .min(1, 'id must not be empty')
  .max(36, 'id must be at most 36 characters');
const actor = z
  .string({ required_error: 'actor is required', invalid_type_error: 'actor must be a string' })
  .trim()
  .min(1, 'actor must not be empty')
  .max(100, 'actor must be at most 100 characters')
  .regex(NO_CONTROL, 'actor must not contain control characters');
const notes = z
  .string({ invalid_type_error: 'notes must be a string' })
  .trim()
  .min(1, 'notes must not be empty')
  .max(4000, 'notes must be at most 4000 characters');
const finite = (field: string) =>
  z
    .number({ invalid_type_error: `${field} must be a number` })
    .finite(`${field} must be finite`)
    .nullish();

const openSchema = z
  .object({
    id: id.optional(),
    killSwitchId: id.nullish(),
    clientId: z
      .string()
      .min(1, 'clientId must not be empty')
      .max(100, 'clientId must be at most 100 characters')
      .nullish(),
    title: z
      .string({ required_error: 'title is required', invalid_type_error: 'title must be a string' })
      .trim()
      .min(1, 'title must not be empty')
      .max(500, 'title must be at most 500 characters'),
    severity: z.enum(incidentSeverities, {
      errorMap: () => ({ message: `severity must be one of ${incidentSeverities.join(', ')}` }),
    }),
    triggerType: z.enum(incidentTriggerTypes, {
      errorMap: () => ({ message: `triggerType must be one of ${incidentTriggerTypes.join(', ')}` }),
    }),
    triggerValue: finite('triggerValue'),
    threshold: finite('threshold'),
    errorRate: finite('errorRate'),
    callsAffected: z.number().int('callsAffected must be a whole number').nonnegative().optional(),
    startedAt: z.date({ invalid_type_error: 'startedAt must be a Date' }).optional(),
    actor,
    notes: notes.optional(),
    metadata: z.record(z.unknown(), { invalid_type_error: 'metadata must be an object' }).optional(),
  })
  .strict();

const transitionSchema = z.object({ id, actor, notes: notes.optional() }).strict();
const withNotesSchema = z.object({ id, actor, notes }).strict();
const listSchema = z
  .object({
    status: z.union([z.enum(incidentStatuses), z.array(z.enum(incidentStatuses))]).optional(),
    clientId: z.string().min(1).max(100).optional(),
    killSwitchId: id.optional(),
    limit: z.number().int('limit must be a whole number').min(1, 'limit must be at least 1').max(1000).optional(),
  })
  .strict();

export const parseOpenIncident = (input: unknown) => parseInput(openSchema, input);
export const parseIncidentTransition = (input: unknown) => parseInput(transitionSchema, input);
export const parseIncidentNote = (input: unknown) => parseInput(withNotesSchema, input);
export const parseIncidentFilter = (input: unknown) => parseInput(listSchema, input ?? {});
export const parseIncidentId = (input: unknown) => parseInput(id, input);

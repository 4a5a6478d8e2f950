import { z } from 'zod';
import { FHIR_R4_RESOURCE_TYPES } from '../scopes/index.ts';

/** smart-config/categories.json: per resource type, the categories consent offers as granular scopes. */
export const categoriesFileSchema = z.strictObject({
  $comment: z.string().optional(),
  resourceTypes: z
    .record(
      z.string().refine((t) => FHIR_R4_RESOURCE_TYPES.has(t), 'must be a FHIR R4 resource type'),
      z.strictObject({
        /** The search parameter the granular scope constrains (SMART: `?category=`). */
        param: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be a search parameter name').default('category'),
        categories: z
          .array(
            z.strictObject({
              /** `system|code`, as the scope's token search value. */
              value: z.string().regex(/^[^\s&=?#]+$/, 'must be a token search value (system|code) without spaces, &, =, ? or #'),
              display: z.string().min(1),
            }),
          )
          .min(1),
      }),
    )
    .default({}),
});

export type CategoriesFile = z.infer<typeof categoriesFileSchema>;
/** Resource type -> the search parameter and categories consent offers for it. */
export type CategoryMap = CategoriesFile['resourceTypes'];

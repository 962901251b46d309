// @ts-check
// The shapes the server sends, for the page's JSDoc types. Nothing runs here.

/**
 * @typedef {'pending' | 'succeeded' | 'failed' | 'skipped'} SlotState
 * @typedef {'queued' | 'running' | 'completed' | 'failed' | 'cancelled'} Phase
 */

/**
 * One component of a task, as `GET /v1/tasks/:id` decodes it from the slot word.
 * @typedef {object} TaskComponent
 * @property {string} module
 * @property {string} component
 * @property {number} slot
 * @property {string} kind `job`, `callback`, `approval` or `fanout`
 * @property {SlotState} state
 * @property {boolean} in_flight
 * @property {number} attempts
 * @property {number} executions
 * @property {boolean} cached
 * @property {string | null} started_at
 * @property {string | null} finished_at
 * @property {number | null} duration_ms
 * @property {unknown} error
 */

/**
 * @typedef {object} TaskModule
 * @property {string} module
 * @property {string} status
 * @property {'pending' | 'running' | 'succeeded' | 'failed' | 'cancelled'} state
 */

/**
 * A take of a scene: one rendering of it; `video` is the take's own segment.
 * @typedef {object} SceneTake
 * @property {number} take counts from 1
 * @property {boolean} [chosen] whether the video uses it
 * @property {string} [status]
 * @property {string | null} [narration]
 * @property {string | null} video
 * @property {string | null} thumbnail
 * @property {string} created_at
 */

/**
 * A visual the material search found for a scene, which a regeneration may use instead (`candidate:N`).
 * @typedef {object} SceneCandidate
 * @property {string} id `candidate:N`, or N alone
 * @property {string} source
 * @property {string | null} term
 * @property {string} [kind] `image` or `video`
 * @property {string} [url] the visual itself
 * @property {string | null} [thumbnail]
 */

/**
 * A scene of the video, numbered from 1. The review fields are optional: a server without the
 * scene routes sends only the scene's child task (`index` from 0, `phase`).
 * @typedef {object} TaskScene
 * @property {number} [scene] from 1
 * @property {number} [index] from 0, older servers
 * @property {string | null} [narration]
 * @property {number | null} [duration_sec]
 * @property {string} status
 * @property {Phase} [phase]
 * @property {string | null} [thumbnail]
 * @property {{ source: string, term: string | null } | null} [visual]
 * @property {number} [take] the take the video uses
 * @property {SceneTake[]} [takes]
 * @property {SceneCandidate[]} [candidates]
 */

/**
 * @typedef {object} TaskAsset
 * @property {number} id
 * @property {string} kind
 * @property {string} component
 * @property {number | null} scene
 * @property {string} provider
 * @property {number} bytes
 * @property {boolean} reused
 * @property {string} url
 */

/**
 * @typedef {object} TaskError
 * @property {string} [component]
 * @property {number} [attempt]
 * @property {string} [name]
 * @property {string} [message]
 */

/**
 * The task as `GET /v1/tasks/:id` sends it; `slot_word` is a decimal string.
 * @typedef {object} TaskView
 * @property {string} id
 * @property {string} flow
 * @property {number} version
 * @property {string} status
 * @property {Phase} phase
 * @property {string} slot_word
 * @property {string} hex
 * @property {string} unknown_bits
 * @property {string | null} parent_id
 * @property {string} created_at
 * @property {string} updated_at
 * @property {TaskError | null} error
 * @property {TaskComponent[]} components
 * @property {TaskModule[]} modules
 * @property {TaskScene[]} scenes
 * @property {TaskAsset[]} assets
 * @property {string | null} video
 * @property {string | null} bundle
 * @property {string | null} [cover] the poster image's URL
 * @property {string | null} [title]
 * @property {TaskPlanner | null} [planner] who wrote a prompt's script; null for other flows and until the planner has run
 */

/**
 * Who wrote a prompt task's script (docs/task-json.md).
 * @typedef {object} TaskPlanner
 * @property {'template' | 'llm'} name
 * @property {string | null} model
 * @property {string} label "template planner" or "LLM (model)"
 * @property {string} tone
 * @property {number} requests
 * @property {{ target_sec: number, estimated_sec: number, dropped_scenes: number }} fit
 */

/**
 * A row of `GET /v1/tasks`.
 * @typedef {object} TaskSummary
 * @property {string} id
 * @property {string} flow
 * @property {string} status
 * @property {Phase} phase
 * @property {string} slot_word
 * @property {string} created_at
 * @property {string | null} [title]
 */

/**
 * An event of `GET /v1/tasks/:id/events`; `scene` is set when a scene's child task sent it.
 * @typedef {object} TaskEvent
 * @property {number} id
 * @property {string} task_id
 * @property {string} type
 * @property {string} slot_word
 * @property {string | null} component
 * @property {number | null} attempt
 * @property {number | null} scene from 1
 * @property {number} [take] the take of the scene that sent it
 * @property {unknown} data
 * @property {string} created_at
 */

/**
 * @typedef {object} MetaFlow
 * @property {string} name
 * @property {number} version
 * @property {string} description
 * @property {boolean} child run only as a fan-out's child, not submitted on its own
 * @property {'article' | 'script' | 'prompt'} input what a submission gives it
 * @property {boolean} default the flow a submission that names none runs
 * @property {string | null} makes what a finished task hands over (`video`, `bundle`); null for flows of built-in test handlers
 */

/**
 * @typedef {object} MetaFormat
 * @property {string} name e.g. `16:9`
 * @property {number} width
 * @property {number} height
 * @property {string} orientation
 */

/**
 * A voice; `id` is what `options.voice` takes.
 * @typedef {object} MetaVoice
 * @property {string} id
 * @property {string} provider
 * @property {string} language
 * @property {string} name
 */

/**
 * What the server can do, from `GET /v1/meta`.
 * @typedef {object} Meta
 * @property {MetaFlow[]} flows
 * @property {MetaFormat[]} formats
 * @property {MetaVoice[]} voices
 * @property {MetaTone[]} [tones]
 * @property {{ min: number, max: number }} [duration_s]
 */

/**
 * A tone a task may ask for, and what it does.
 * @typedef {object} MetaTone
 * @property {string} name
 * @property {number} speech_rate
 * @property {number} pitch_semitones
 * @property {string} captions
 */

/**
 * The options of `POST /v1/tasks` the page sends.
 * @typedef {object} TaskOptions
 * @property {string} format
 * @property {string} [voice]
 * @property {boolean} music
 * @property {string} [size]
 * @property {number} [duration_s]
 * @property {string} [tone]
 */

/**
 * An asset of a product's or an output's graph: what made it (`stage`, `provider`) from what (`inputs`: asset ids,
 * `upload:<name>`, `snapshot:<field>`).
 * @typedef {object} GraphAsset
 * @property {number} id
 * @property {string} kind `neutral`, `view`, `metadata`, `sheet`, `seeds`, `scene-image`, …
 * @property {Array<number | string>} inputs
 * @property {string} stage
 * @property {string} provider
 * @property {string} hash
 * @property {number | null} [scene] from 1
 * @property {FidelityScores | null} [scores] a scene picture's fidelity scores
 * @property {string} [url] where the server serves it, when it says
 */

/**
 * What the identity found out about a product (`#rrggbb` palette, most prominent first).
 * @typedef {object} ProductMetadata
 * @property {string} name
 * @property {string} category
 * @property {string[]} palette
 * @property {number} aspect width over height of the neutral image
 * @property {string} [title]
 * @property {string} [brand]
 * @property {{ amount: string | number, currency?: string }} [price]
 * @property {string} [description]
 * @property {string} [url]
 */

/**
 * A product as `GET /v1/products/:id` sends it; the product is a task of the identity flow, of the same id.
 * @typedef {object} ProductView
 * @property {string} id
 * @property {string} status
 * @property {string} name
 * @property {ProductMetadata | null} metadata null until the identity has it
 * @property {GraphAsset[]} assets
 * @property {Array<{ id: string, mode: string, status: string }>} outputs
 */

/**
 * Fidelity scores of a scene's image against the neutral image (0–1, but `color_distance`, a CIE76 distance).
 * @typedef {object} FidelityScores
 * @property {number} [visible_area]
 * @property {number} [ssim]
 * @property {number} [color_distance]
 * @property {number} score
 * @property {boolean} [passed]
 */

/**
 * A scene of an output; `image` is where its picture is served (a URL, or an asset id).
 * @typedef {object} OutputScene
 * @property {number} scene from 1
 * @property {string} status
 * @property {string} [phase] the scene task's phase
 * @property {number} [take] the take the output uses, from 1
 * @property {string | number | { url?: string, id?: number } | null} [image]
 * @property {FidelityScores | null} [scores]
 * @property {string | null} [headline]
 */

/**
 * An output as `GET /v1/outputs/:id` sends it; the output is a task of its mode's flow, of the same id.
 * @typedef {object} OutputView
 * @property {string} id
 * @property {string} product
 * @property {string} mode
 * @property {string} status
 * @property {string} stage the earliest stage not finished, or `done`
 * @property {string | null} waiting_for
 * @property {string | null} [video]
 * @property {string | null} [bundle]
 * @property {OutputScene[]} scenes
 * @property {GraphAsset[]} assets
 * @property {Array<{ stage: string, approved: boolean, reason?: string | null }>} approvals
 */

/**
 * A row of `GET /v1/presenters`, newest first.
 * @typedef {object} PresenterSummary
 * @property {string} id
 * @property {string} name
 * @property {string} status
 * @property {string} phase
 * @property {string} created_at
 */

/**
 * The presenter's voice: offline a match to the nearest local voice (`kind: 'match'`), never a clone; with a
 * cloning provider, the voice it cloned (`kind: 'clone'`).
 * @typedef {object} VoiceProfile
 * @property {'match' | 'clone'} kind
 * @property {string} provider
 * @property {string} voice `provider:voice`
 * @property {string} language
 * @property {number} rate
 * @property {number} pitch_semitones
 * @property {{ f0_hz: number, f0_spread: number, speech_rate_sps: number, duration_s: number }} [measured] the sample's own
 * @property {number} [distance]
 * @property {string} note
 */

/**
 * A presenter as `GET /v1/presenters/:id` sends it; the presenter is a task of the identity flow, of the same id.
 * @typedef {object} PresenterView
 * @property {string} id
 * @property {string} status
 * @property {string} phase
 * @property {string} name
 * @property {{ photos: string[], voice_sample: string, language: string, voice: VoiceProfile | null, portrait: { width: number, height: number } | null }} metadata
 * @property {GraphAsset[]} assets
 * @property {Array<{ id: string, route: string, status: string }>} outputs
 */

/**
 * One stage of a presenter output: a component of the route's flow, or of one scene's (`scene` from 1).
 * @typedef {object} StageState
 * @property {string} stage kebab-case, as the retry route takes it
 * @property {string} component
 * @property {string} kind
 * @property {number | null} scene
 * @property {string} label what the stage does, in words
 * @property {SlotState} state
 * @property {boolean} in_flight
 * @property {number} attempts
 * @property {string | null} started_at
 * @property {string | null} finished_at
 * @property {TaskError | null} error
 */

/**
 * A scene of a presenter output: its chosen take, whether it shows the presenter or b-roll, and its video.
 * @typedef {object} PresenterScene
 * @property {number} scene
 * @property {string} status
 * @property {string} phase
 * @property {number} take
 * @property {string | null} kind `presenter` or `broll`
 * @property {string | null} pose
 * @property {{ id: number, url: string } | null} segment
 */

/**
 * A presenter output as `GET /v1/outputs/:id` sends it.
 * @typedef {object} PresenterOutputView
 * @property {string} id
 * @property {string} presenter
 * @property {string} route
 * @property {string} status
 * @property {Phase} phase
 * @property {string} stage
 * @property {string} stage_label the stage in words: `building storyboard`, `waiting for storyboard approval`, `done`
 * @property {string | null} waiting_for `script`, `storyboard`, `background`, `video`, or null
 * @property {string | null} video
 * @property {PresenterScene[]} scenes
 * @property {GraphAsset[]} assets
 * @property {Array<{ stage: string, approved: boolean, reason: string | null, at: string }>} approvals
 * @property {TaskError | null} error
 * @property {StageState[]} stages
 * @property {{ language: string, transcript: string, duration_sec: number, scenes: Array<{ scene: number, text: string, pose: string | null, start_sec: number, duration_sec: number }> } | null} script
 * @property {{ plan: string, revision: { number: number, reason: string } | null, scenes: Array<{ scene: number, kind: string, pose: string | null, narration: string, background: boolean, start_sec: number | null, duration_sec: number | null }> } | null} storyboard
 */

export {};

import type { VideoKind } from './prompt-brief.ts';

/**
 * The lines the template planner writes from, by kind of video, beat and
 * tone. `{thing}` is what the subject is about ("coffee"), `{Thing}` the
 * same capitalised, `{subject}` the subject as named ("coffee brand").
 * Within a beat the lines are in the order they are used: the first says
 * the beat on its own, the later ones add to it when there is time. Every
 * line reads on its own, so a scene may take any prefix of its beat's list.
 */

export const Beat = { hook: 'hook', what: 'what', why: 'why', detail: 'detail', cta: 'cta' } as const;
export type Beat = (typeof Beat)[keyof typeof Beat];

export type Tone = 'calm' | 'upbeat' | 'serious' | 'playful';
export type BeatLines = Readonly<Record<Beat, readonly string[]>>;

const AD: Readonly<Record<Tone, BeatLines>> = {
  upbeat: {
    hook: ['Ready for the best part of your day?', 'Picture {thing} that makes you smile before you have even started.'],
    what: ['Meet {thing} made with real care: fresh, bold and full of life.', 'We start with the good stuff and skip every shortcut.', 'Every single detail is chosen to make your day better.'],
    why: ['Because you deserve more than just okay.', 'It gives you a lift when you need it most, and a moment that is all yours.', 'No compromises, no fuss, just {thing} you will want to share.'],
    detail: ['It fits right into your day, at home, at work or on the go.', 'Small batches, big care, and people who love what they do.', 'Thousands of happy customers already know the secret.', 'Every order is checked by hand before it reaches you.', 'And the first time you try it, you will wonder how you ever did without.'],
    cta: ['Try it today and feel the difference!', 'Grab yours now, and make tomorrow even better.'],
  },
  calm: {
    hook: ['Take a breath, and slow down for a moment.', 'Some things are worth taking your time over.'],
    what: ['This is {thing}, made simply and made well.', 'Nothing rushed and nothing wasted, only what matters.', 'Every step is done by hand, with patience.'],
    why: ['It brings a little quiet to a busy day.', 'Quality you can feel, every single time.', 'A small ritual that makes the whole day gentler.'],
    detail: ['It is there in the early morning, and it is there at the end of a long day.', 'We work in small batches, so nothing is ever hurried.', 'Many of our customers have been with us for years.', 'Good things, we believe, are made slowly.'],
    cta: ['When you are ready, try it for yourself.', 'Find yours today, and enjoy the quiet difference.'],
  },
  serious: {
    hook: ['Most people settle for less than they should.', 'You expect more, and you are right to.'],
    what: ['{Thing}, done properly: carefully sourced, tested and made to last.', 'We hold every step to one standard: the best we can do.', 'Nothing leaves us until it meets it.'],
    why: ['Quality is not an extra. It is the point.', 'You get consistency you can rely on, day after day.', 'It saves you time, and it does not let you down.'],
    detail: ['Every batch is checked before it ships.', 'We publish where everything comes from, because you should know.', 'Our customers come back because the standard never slips.', 'If it is not right, we make it right.'],
    cta: ['See the difference for yourself. Order today.', 'Choose {thing} you can trust, starting now.'],
  },
  playful: {
    hook: ['Warning: this may ruin ordinary {thing} for you forever.', 'Quick question: when did {thing} last make you do a happy dance?'],
    what: ['Meet {thing} with a little extra personality.', 'It is bold, it is bright, and frankly it is a bit of a show-off.', 'We tried being modest once. It did not suit us.'],
    why: ['Life is too short for boring {thing}.', 'Your future self will thank you, probably with a high five.', 'Your friends will ask where you found it. You can tell them. Or not.'],
    detail: ['It goes with mornings, afternoons and very questionable midnight plans.', 'Made by a small team with big opinions.', 'Yes, it really is that good. We checked. Several times.', 'Side effects may include smiling at strangers.'],
    cta: ['Go on, treat yourself. You know you want to.', 'Try it now, and let the happy dance begin!'],
  },
};

/** Explainers, tutorials and announcements share the middle; the opening and the close carry the tone. */
const INFORM_MIDDLE: Pick<BeatLines, 'what' | 'why' | 'detail'> = {
  what: ['At heart, the idea behind {subject} is simpler than it sounds.', 'Here is the idea in plain words, one step at a time.', 'Think of it as a few parts that work together.'],
  why: ['It matters because it touches more of daily life than most people notice.', 'Once you see how it fits together, the rest starts to make sense.', 'Knowing this helps you make better choices, with fewer surprises.'],
  detail: ['Start with the basics, and the details follow.', 'A simple example makes it clear.', 'Small changes here can add up to a big difference.', 'The people who know it best say the same thing: keep it simple.', 'And it keeps changing, so it is worth checking back.', 'Look closely, and you will start to notice it everywhere.', 'Ask a question about it, and every answer opens another.', 'The best way to understand it is to see it in action.'],
};

const INFORM_ENDS: Readonly<Record<Tone, Pick<BeatLines, 'hook' | 'cta'>>> = {
  calm: {
    hook: ['Have you ever wondered what is really behind {subject}?', 'Let us take a few minutes to look at it together.'],
    cta: ['Now you know the essentials. Take your time with them.', 'Follow along for the next part, whenever you are ready.'],
  },
  upbeat: {
    hook: ['Let us talk about {subject}. It is more exciting than you think!', 'In a few moments, you will see it in a whole new way.'],
    cta: ['Now you know the essentials. Go try it!', 'Share this with someone who would love it, and follow for more.'],
  },
  serious: {
    hook: ['Few people stop to think about {subject}. They should.', 'Here is what you need to know, and why.'],
    cta: ['Those are the facts. Look into it, and decide for yourself.', 'Follow for the next part, where we go deeper.'],
  },
  playful: {
    hook: ['So, {subject}. Sounds complicated? It is really not.', 'Give us a minute, and you will be explaining it at dinner parties.'],
    cta: ['And that is it. You are basically an expert now.', 'Tell a friend, and watch them be impressed.'],
  },
};

/** Chinese lines: one set, whatever the tone, so a Chinese prompt is narrated in Chinese. */
const ZH: BeatLines = {
  hook: ['你有没有想过，每一天都可以更好一点？'],
  what: ['这就是{subject}：用心去做，简单而出色。', '每一个细节，我们都认真对待。'],
  why: ['因为你值得更好的选择。', '它让忙碌的日子多一份从容。', '品质看得见，每一次都一样。'],
  detail: ['无论在家、在办公室还是在路上，它都适合你。', '很多老顾客已经陪伴我们很多年。', '我们坚持小批量制作，从不将就。'],
  cta: ['现在就试试，感受不一样。', '马上行动，让明天更美好。'],
};

/** Detail lines any tone of ad may end its middle with, after its own: what a longer ad has time for. */
const AD_EXTRA_DETAIL: readonly string[] = [
  'Made for busy mornings and slow weekends alike.',
  'Ask anyone who has tried it: once is never enough.',
  'We keep it simple, so you can enjoy it every day.',
  'Good for you, and good for the people who make it.',
  'Share it with a friend, and watch their face light up.',
];

export function beatLines(kind: VideoKind, tone: Tone, language: 'en' | 'zh'): BeatLines {
  if (language === 'zh') return ZH;
  if (kind === 'ad') return { ...AD[tone], detail: [...AD[tone].detail, ...AD_EXTRA_DETAIL] };
  return { ...INFORM_MIDDLE, ...INFORM_ENDS[tone] };
}

/** The tone a kind of video is written in when the request names none. */
export const DEFAULT_TONE: Readonly<Record<VideoKind, Tone>> = {
  ad: 'upbeat',
  explainer: 'calm',
  tutorial: 'calm',
  announcement: 'serious',
};

/**
 * Concrete nouns each beat's pictures are looked up by, after the subject's
 * own: things an illustration or a stock photo shows well.
 */
export const BEAT_NOUNS: Readonly<Record<Beat, readonly string[]>> = {
  hook: ['sunrise', 'alarm clock'],
  what: ['hands', 'package'],
  why: ['smiling face', 'star'],
  detail: ['house', 'globe', 'calendar', 'trophy', 'rocket'],
  cta: ['shopping cart', 'mobile phone'],
};

/** The same nouns in Chinese, as the illustration index names them in Chinese, for Chinese narration. */
export const BEAT_NOUNS_ZH: Readonly<Record<Beat, readonly string[]>> = {
  hook: ['日出', '闹钟'],
  what: ['双手', '包裹'],
  why: ['微笑', '星星'],
  detail: ['房子', '地球', '日历', '奖杯', '火箭'],
  cta: ['购物车', '手机'],
};

/** Nouns that picture a subject better than its own name does, for a few common subjects. */
export const RELATED_NOUNS: Readonly<Record<string, readonly string[]>> = {
  coffee: ['coffee', 'cup', 'croissant'],
  tea: ['tea', 'teapot', 'cup'],
  bakery: ['bread', 'croissant', 'cupcake'],
  bread: ['bread', 'croissant', 'bagel'],
  pizza: ['pizza', 'cheese wedge'],
  fitness: ['flexed biceps', 'running shoe', 'trophy'],
  travel: ['airplane', 'globe', 'camping'],
  shoes: ['running shoe'],
  sneakers: ['running shoe'],
  bike: ['bicycle'],
  bicycle: ['bicycle'],
  phone: ['mobile phone'],
  music: ['musical notes', 'headphone'],
  book: ['books', 'open book'],
  books: ['books', 'open book'],
  car: ['automobile'],
  咖啡: ['咖啡', '面包'],
  面包: ['面包'],
};

export function fillLine(line: string, words: { thing: string; subject: string }): string {
  return line
    .replaceAll('{Thing}', capitalise(words.thing))
    .replaceAll('{thing}', words.thing)
    .replaceAll('{Subject}', capitalise(words.subject))
    .replaceAll('{subject}', words.subject);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

import { expect } from 'chai';
import { durationOf, readPrompt } from '../../src/pipeline/planning/prompt-brief.ts';
import { fitPlan, planSpeechSec, type ScenePlan } from '../../src/pipeline/planning/scene-plan.ts';
import { MIN_BEATS, templatePlan } from '../../src/pipeline/planning/template-planner.ts';
import { TONES } from '../../src/pipeline/submission.ts';

const RATE = { wordsPerSec: 3, charsPerSec: 4.5 };
const AD = 'Create a 30-sec ad for a coffee brand';

describe('reading a prompt', () => {
  it('finds the kind, the subject, what it is about and the length', () => {
    expect(readPrompt(AD)).to.deep.equal({ kind: 'ad', subject: 'coffee brand', thing: 'coffee', durationSec: 30, language: 'en' });
    expect(readPrompt('Make a 1 minute explainer about solar panels.')).to.include({ kind: 'explainer', subject: 'solar panels', durationSec: 60 });
    expect(readPrompt('Write a 45 second promo for Acme running shoes that students will love')).to.include({ kind: 'ad', subject: 'Acme running shoes' });
    expect(readPrompt('A video about the history of tea, please').durationSec).to.equal(undefined);
  });

  it('reads lengths written in several ways', () => {
    expect(durationOf('a 90-second spot')).to.equal(90);
    expect(durationOf('about 2 minutes long')).to.equal(120);
    expect(durationOf('a one minute video')).to.equal(60);
    expect(durationOf('half a minute on tea')).to.equal(30);
    expect(durationOf('为咖啡品牌制作30秒广告')).to.equal(30);
  });

  it('reads a Chinese prompt as Chinese', () => {
    expect(readPrompt('为一个咖啡品牌制作30秒广告')).to.include({ language: 'zh', kind: 'ad', thing: '咖啡' });
  });
});

describe('the template planner', () => {
  it('writes a hook, what it is, why it matters and a call to action, about the subject', () => {
    const { plan, beats, tone } = templatePlan(AD, { rate: RATE });
    expect(tone).to.equal('upbeat');
    expect(beats).to.deep.equal(['hook', 'what', 'why', 'cta']);
    expect(plan.scenes.map((s) => s.narration).join(' ')).to.match(/\bcoffee\b/);
    expect(plan.scenes.at(-1)!.narration).to.match(/\b(?:try|grab|order)\b/i);
    for (const s of plan.scenes) {
      expect(s.visual_keywords.length).to.be.within(1, 3);
      expect(s.narration).not.to.match(/\{|This is about/);
    }
    expect(plan.scenes.flatMap((s) => s.visual_keywords)).to.include('coffee');
  });

  it('fits the narration to the length asked for, the prompt\'s own or the option', () => {
    for (const durationSec of [undefined, 20, 45]) {
      const { plan } = templatePlan(AD, { rate: RATE, durationSec });
      const target = durationSec ?? 30;
      expect(planSpeechSec(plan.scenes, RATE)).to.be.within(target * 0.9, target * 1.1);
      const sum = plan.scenes.reduce((n, s) => n + s.duration_sec, 0);
      expect(sum).to.be.closeTo(planSpeechSec(plan.scenes, RATE), 0.5);
    }
  });

  it('adds scenes in the middle for a longer video, and says nothing twice', () => {
    const short = templatePlan(AD, { rate: RATE, durationSec: 20 });
    const long = templatePlan(AD, { rate: RATE, durationSec: 50 });
    expect(short.plan.scenes).to.have.length(MIN_BEATS);
    expect(long.plan.scenes.length).to.be.greaterThan(MIN_BEATS);
    expect(long.beats[0]).to.equal('hook');
    expect(long.beats.at(-1)).to.equal('cta');
    const sentences = long.plan.scenes.flatMap((s) => s.narration.split(/(?<=[.!?])\s+/));
    expect(new Set(sentences).size).to.equal(sentences.length);
  });

  it('writes each tone in its own words', () => {
    const narrations = TONES.map((tone) => templatePlan(AD, { rate: RATE, tone }).plan.scenes[0]!.narration);
    expect(new Set(narrations).size).to.equal(TONES.length);
  });

  it('narrates a Chinese prompt in Chinese', () => {
    const { plan } = templatePlan('为一个咖啡品牌制作30秒广告', { rate: RATE });
    expect(plan.scenes.every((s) => /\p{Script=Han}/u.test(s.narration))).to.equal(true);
    // Its pictures are looked up in Chinese too, as the illustrations are named for Chinese narration.
    expect(plan.scenes.flatMap((s) => s.visual_keywords).every((k) => /\p{Script=Han}/u.test(k))).to.equal(true);
  });
});

describe('fitting a plan', () => {
  it('drops middle scenes of a plan far too long, keeps the hook and the call to action, and times each scene by its narration', () => {
    const line = 'one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen.';
    const plan: ScenePlan = { title: 't', scenes: ['hook', 'a', 'b', 'c', 'd', 'cta'].map((n) => ({ narration: `${n} ${line}`, visual_keywords: ['cup'], duration_sec: 1 })) };
    const { plan: fitted, fit } = fitPlan(plan, 12, RATE);
    expect(fitted.scenes.map((s) => s.narration.split(' ')[0])).to.deep.equal(['hook', 'cta']);
    expect(fit).to.deep.equal({ target_sec: 12, estimated_sec: 10.7, dropped_scenes: 4 });
    expect(fitted.scenes[0]!.duration_sec).to.equal(5.3);
  });
});

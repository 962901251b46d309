# syntax=docker/dockerfile:1
# slotflow: TypeScript run through tsx at runtime (no build step).
FROM node:20-bookworm-slim

# Speech: festival with the HTS voice (the best English), flite, espeak-ng
# (Mandarin); fonts-noto-cjk: CJK glyphs for rendered text;
# ffmpeg: Debian's 5.1, which slotflow prefers to the packaged 2018 build.
RUN apt-get update \
 && apt-get install -y --no-install-recommends festival festvox-us-slt-hts flite espeak-ng ffmpeg fonts-noto-cjk ca-certificates \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first so the layer is cached while only sources change.
COPY package.json package-lock.json ./
RUN npm ci && npm cache clean --force

# Sources (host node_modules and local artefacts are never copied over the
# image's own install).
COPY --exclude=node_modules --exclude=data --exclude=out --exclude=dist \
     --exclude=coverage --exclude=test-output --exclude=.git . .

ENV SLOTFLOW_DATA_DIR=/data
RUN mkdir -p /data && chown node:node /data
VOLUME ["/data"]

USER node
EXPOSE 8080

ENTRYPOINT ["node", "bin/slotflow.js"]
CMD ["serve"]

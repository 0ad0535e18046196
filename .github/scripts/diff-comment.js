// Posts the markdown diff as one comment on the pull request and updates that same comment on every push.
// The comment is found again by a hidden marker on its first line, so other comments are never touched.
const fs = require('fs');

const MARKER = '<!-- rulebook-diff -->';
const LIMIT = 65000; // GitHub refuses comments over 65,536 characters

module.exports = async ({github, context, path}) => {
  let diff = fs.readFileSync(path, 'utf8');
  if (diff.length > LIMIT) {
    diff = diff.slice(0, LIMIT) + '\n\n… cut here: run `rulebook diff origin/' + context.payload.pull_request.base.ref +
      '...HEAD` for the rest.\n';
  }
  const body = MARKER + '\n' + diff;
  const {owner, repo} = context.repo;
  const issue_number = context.issue.number;
  const comments = await github.paginate(github.rest.issues.listComments, {owner, repo, issue_number, per_page: 100});
  const previous = comments.find((c) => c.user && c.user.type === 'Bot' && c.body && c.body.startsWith(MARKER));
  if (previous) {
    await github.rest.issues.updateComment({owner, repo, comment_id: previous.id, body});
    return {updated: previous.id};
  }
  const created = await github.rest.issues.createComment({owner, repo, issue_number, body});
  return {created: created.data.id};
};

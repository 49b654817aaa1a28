// What a frontend writes with the types openapi-typescript generates from the committed OpenAPI
// document: tests/openapi/test_typescript_types.py generates them next to a copy of this file as
// blog-api.d.ts and type-checks both (tsc --noEmit --strict).
import type { components, operations, paths } from "./blog-api";

type Post = components["schemas"]["Post"];
type PostPage = operations["listPosts"]["responses"][200]["content"]["application/json"];
type NewComment = operations["submitComment"]["requestBody"]["content"]["application/json"];
type Problem = operations["getPost"]["responses"][404]["content"]["application/problem+json"];

export const comment: NewComment = {
  author_name: "Jürgen Weiß",
  content: "„Danke“ für den Überblick!",
  parent_id: null,
};

export const postsPath: keyof paths = "/posts";
export const listPostsQuery: operations["listPosts"]["parameters"]["query"] = { limit: 10 };

export function headline(post: Post): string {
  const replies = post.comments.filter((each) => each.parent_id !== null).length;
  return `${post.title}: ${post.comment_count} Kommentare, davon ${replies} Antworten`;
}

export function newest(page: PostPage): string | undefined {
  return page.items[0]?.slug;
}

export function explain(problem: Problem): string {
  const fields = (problem.errors ?? []).map((error) => error.loc.join(".")).join(", ");
  return `${problem.status} ${problem.title}: ${problem.detail}${fields ? ` (${fields})` : ""}`;
}
